#pragma once
// The GenAI client metrics, aggregated on the OTLP sink's thread and exported as cumulative
// explicit-bucket histograms (reference/peers.md §4.3, gen-ai-metrics.md):
//   gen_ai.client.operation.duration (s; every call, error.type on failures),
//   gen_ai.client.token.usage ({token}; gen_ai.token.type input | output, when counts are known),
//   gen_ai.client.operation.time_to_first_chunk (s; streams, v1.41+),
// plus llmtap's extension llmtap.client.token.usage.detail ({token}; gen_ai.token.type
// cache_read | reasoning): the conventions' token type has only input and output, and these
// are parts of input and output, so they must not share a metric whose values add up.
// Attributes: gen_ai.operation.name, gen_ai.provider.name (gen_ai.system before v1.37),
// gen_ai.request.model, gen_ai.response.model, server.address, server.port.
// Past kMaxSeries attribute sets, further sets are folded into one set with
// otel.metric.overflow = true (the OTel metrics SDK's cardinality-limit rule).
#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sinks/otel/otlp_encode.h"

namespace llmtap::sinks::otlp {

class metrics_aggregator {
 public:
  static constexpr size_t kMaxSeries = 2000;

  metrics_aggregator(const encode_options& o, uint64_t start_unix_ns);
  void record(const exchange& x);
  // Appends the metrics that have data, with every series seen so far (cumulative).
  void export_to(pb_metrics::ScopeMetrics& scope, uint64_t now_unix_ns) const;
  bool empty() const { return series_.empty(); }
  size_t series_count() const { return series_.size(); }

 private:
  struct histogram {
    std::array<uint64_t, 15> buckets{};  // both bound lists have 14 bounds
    uint64_t count = 0;
    double sum = 0, min = 0, max = 0;
    void observe(const std::vector<double>& bounds, double v);
  };
  enum slot { input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, ttfc, kSlots };
  struct series {
    std::vector<std::pair<std::string, std::string>> attributes;  // without error.type
    std::array<histogram, kSlots> h;
    std::vector<std::pair<std::string, histogram>> durations;  // by error.type ("" = no error)
  };
  series& find_series(const exchange& x);

  encode_options o_;
  uint64_t start_;
  std::string key_;  // reused: the attribute values of the call being recorded
  std::unordered_map<std::string, series> series_;
};

// The advisory bucket boundaries of the conventions.
const std::vector<double>& duration_bounds();
const std::vector<double>& token_bounds();

}  // namespace llmtap::sinks::otlp
