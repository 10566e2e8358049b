#include "sinks/otel/otlp_metrics.h"

#include <algorithm>

namespace llmtap::sinks::otlp {
namespace {

constexpr const char* kDuration = "gen_ai.client.operation.duration";
constexpr const char* kTokens = "gen_ai.client.token.usage";
constexpr const char* kTtfc = "gen_ai.client.operation.time_to_first_chunk";

}  // namespace

const std::vector<double>& duration_bounds() {
  static const std::vector<double> b = {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
  return b;
}
const std::vector<double>& token_bounds() {
  static const std::vector<double> b = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
  return b;
}

metrics_aggregator::metrics_aggregator(const encode_options& o, uint64_t start_unix_ns) : o_(o), start_(start_unix_ns) {}

void metrics_aggregator::observe(const std::vector<std::pair<std::string, std::string>>& attrs,
                                 const std::string& metric, double v) {
  std::string key;
  for (const auto& [k, val] : attrs) key.append(k).append(1, '\x1f').append(val).append(1, '\x1e');
  series& s = series_[key];
  if (s.attributes.empty()) s.attributes = attrs;
  const auto& bounds = metric.rfind(kTokens, 0) == 0 ? token_bounds() : duration_bounds();
  histogram& h = s.by_metric[metric];
  if (h.buckets.empty()) h.buckets.assign(bounds.size() + 1, 0);
  // A value equal to a bound falls in that bound's bucket (upper bounds are inclusive).
  size_t i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
  ++h.buckets[i];
  h.min = h.count == 0 ? v : std::min(h.min, v);
  h.max = h.count == 0 ? v : std::max(h.max, v);
  ++h.count;
  h.sum += v;
}

void metrics_aggregator::record(const exchange& x) {
  std::vector<std::pair<std::string, std::string>> base = {
      {"gen_ai.operation.name", operation_name(x.ep)},
      {o_.names == naming::v1_41 ? "gen_ai.provider.name" : "gen_ai.system", provider_name(x, o_.names)},
  };
  if (!x.model_requested.empty()) base.emplace_back("gen_ai.request.model", x.model_requested);
  if (!x.model_served.empty()) base.emplace_back("gen_ai.response.model", x.model_served);
  if (auto it = o_.servers.find(x.upstream); it != o_.servers.end()) {
    base.emplace_back("server.address", it->second.first);
    base.emplace_back("server.port", std::to_string(it->second.second));
  }
  auto with_error = base;
  if (std::string e = error_type(x); !e.empty()) with_error.emplace_back("error.type", e);
  if (x.t.last_byte > 0) observe(with_error, kDuration, (x.t.last_byte - x.t.accepted) / 1e9);
  if (o_.names == naming::v1_41 && x.stream && x.t.first_token > 0)
    observe(base, kTtfc, (x.t.first_token - x.t.accepted) / 1e9);
  // token.usage: recorded only when counts are known, one series per gen_ai.token.type.
  for (auto [type, n] : {std::pair{"input", x.usage.input_tokens}, std::pair{"output", x.usage.output_tokens}}) {
    if (n < 0) continue;
    auto attrs = base;
    attrs.emplace_back("gen_ai.token.type", type);
    observe(attrs, kTokens, static_cast<double>(n));
  }
}

void metrics_aggregator::export_to(pb_metrics::ScopeMetrics& scope, uint64_t now_unix_ns) const {
  struct meta {
    const char* name;
    const char* unit;
    const char* description;
  };
  const meta metas[] = {
      {kDuration, "s", "GenAI operation duration, as seen by llmtap"},
      {kTokens, "{token}", "Number of input and output tokens used"},
      {kTtfc, "s", "Time from the request to the first chunk of a streamed response"},
  };
  for (const meta& m : metas) {
    pb_metrics::Metric* metric = nullptr;
    for (const auto& [key, s] : series_) {
      auto it = s.by_metric.find(m.name);
      if (it == s.by_metric.end()) continue;
      if (metric == nullptr) {
        metric = scope.add_metrics();
        metric->set_name(m.name);
        metric->set_unit(m.unit);
        metric->set_description(m.description);
        metric->mutable_histogram()->set_aggregation_temporality(pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
      }
      const histogram& h = it->second;
      pb_metrics::HistogramDataPoint* p = metric->mutable_histogram()->add_data_points();
      for (const auto& [k, v] : s.attributes) {
        auto* kv = p->add_attributes();
        kv->set_key(k);
        if (k == "server.port") kv->mutable_value()->set_int_value(std::stoll(v));
        else kv->mutable_value()->set_string_value(v);
      }
      p->set_start_time_unix_nano(start_);
      p->set_time_unix_nano(now_unix_ns);
      p->set_count(h.count);
      p->set_sum(h.sum);
      p->set_min(h.min);
      p->set_max(h.max);
      for (uint64_t b : h.buckets) p->add_bucket_counts(b);
      const auto& bounds = std::string(m.name) == kTokens ? token_bounds() : duration_bounds();
      for (double b : bounds) p->add_explicit_bounds(b);
    }
  }
}

}  // namespace llmtap::sinks::otlp
