#pragma once
// The GenAI client metrics, aggregated on the OTLP sink's thread and exported as cumulative
// explicit-bucket histograms (reference/peers.md §4.3, v1.41):
//   gen_ai.client.operation.duration (s), gen_ai.client.token.usage ({token}, by
//   gen_ai.token.type input|output), gen_ai.client.operation.time_to_first_chunk (s, streams).
// Attributes: gen_ai.operation.name, gen_ai.provider.name (gen_ai.system for v1_36),
// gen_ai.request.model, gen_ai.response.model, server.address/port, error.type (durations only).
#include <map>
#include <string>
#include <vector>

#include "sinks/otel/otlp_encode.h"

namespace llmtap::sinks::otlp {

class metrics_aggregator {
 public:
  explicit metrics_aggregator(const encode_options& o, uint64_t start_unix_ns);
  void record(const exchange& x);
  // Appends the three metrics (only those with data) with every series seen so far.
  void export_to(pb_metrics::ScopeMetrics& scope, uint64_t now_unix_ns) const;
  bool empty() const { return series_.empty(); }

 private:
  struct histogram {
    std::vector<uint64_t> buckets;  // bounds.size() + 1
    uint64_t count = 0;
    double sum = 0, min = 0, max = 0;
  };
  struct series {
    std::vector<std::pair<std::string, std::string>> attributes;
    std::map<std::string, histogram> by_metric;  // metric name (+ token type) -> histogram
  };
  void observe(const std::vector<std::pair<std::string, std::string>>& attrs, const std::string& metric, double v);

  encode_options o_;
  uint64_t start_;
  std::map<std::string, series> series_;  // attribute set (joined) -> its histograms
};

// The advisory bucket boundaries of the conventions.
const std::vector<double>& duration_bounds();
const std::vector<double>& token_bounds();

}  // namespace llmtap::sinks::otlp
