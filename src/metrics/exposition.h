#pragma once
// The call metrics of /metrics at one instant, and their encoding in the Prometheus text format.
// The registry (registry.h) fills a snapshot under its lock and encodes it outside; encode() is
// a plain function over plain data, so a benchmark can build a snapshot by hand and time it.
// docs/metrics.md (## Prometheus) lists every name, type, unit and label written here.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "metrics/prometheus_text.h"

namespace llmtap::metrics {

enum token_type : size_t { tok_input = 0, tok_output, tok_cached, tok_reasoning, kTokenTypes };

// Everything recorded for one call label set.
struct call_values {
  uint64_t requests = 0;
  histogram_values duration;  // seconds
  histogram_values ttft;      // seconds, streams only
  histogram_values overhead;  // seconds
  std::array<uint64_t, kTokenTypes> tokens{};
  double cost_usd = 0;
  uint64_t unpriced = 0;  // calls with usage but no price
};

// The series groups the series cap applies to, each on its own (prometheus.max_series).
enum series_group : size_t { group_calls = 0, group_errors, group_ratelimit, kSeriesGroups };
const char* group_name(series_group g);

// `labels` point at rendered label lists (`model="gpt-4o",endpoint="chat.completions"`) that
// outlive the snapshot: the registry never removes a series.
struct call_point {
  const std::string* labels;
  call_values v;
};
struct error_point {
  const std::string* labels;  // the call labels plus error_type
  uint64_t count;
};
struct ratelimit_point {
  const std::string* labels;
  // The last value seen of each x-ratelimit-* header; -1 = never seen (not written).
  int64_t limit_requests = -1, limit_tokens = -1, remaining_requests = -1, remaining_tokens = -1;
};

struct snapshot {
  std::vector<call_point> calls;
  std::vector<error_point> errors;
  std::vector<ratelimit_point> limits;
  std::array<uint64_t, kSeriesGroups> overflow{};
};

// Appends the families, each with its HELP and TYPE lines, in a fixed order.
void encode(const snapshot& s, std::string& out);

}  // namespace llmtap::metrics
