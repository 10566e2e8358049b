#include "sinks/otel/otlp_metrics.h"

#include <algorithm>

namespace llmtap::sinks::otlp {
namespace {

constexpr const char* kDuration = "gen_ai.client.operation.duration";
constexpr const char* kTokens = "gen_ai.client.token.usage";
constexpr const char* kTtfc = "gen_ai.client.operation.time_to_first_chunk";
constexpr const char* kTokenDetail = "llmtap.client.token.usage.detail";

const std::string& request_model(const exchange& x) {
  return x.model_requested.empty() ? x.deployment : x.model_requested;
}

void add_point_attributes(pb_metrics::HistogramDataPoint& p,
                          const std::vector<std::pair<std::string, std::string>>& attrs) {
  for (const auto& [k, v] : attrs) {
    auto* kv = p.add_attributes();
    kv->set_key(k);
    if (k == "server.port")
      kv->mutable_value()->set_int_value(std::stoll(v));
    else if (k == "otel.metric.overflow")
      kv->mutable_value()->set_bool_value(true);
    else
      kv->mutable_value()->set_string_value(v);
  }
}

}  // namespace

const std::vector<double>& duration_bounds() {
  static const std::vector<double> b = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                        1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
  return b;
}
const std::vector<double>& token_bounds() {
  static const std::vector<double> b = {1,     4,     16,     64,      256,     1024,     4096,
                                        16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
  return b;
}

void metrics_aggregator::histogram::observe(const std::vector<double>& bounds, double v) {
  // A value equal to a bound falls in that bound's bucket: OTLP's bounds are inclusive upper
  // bounds (metrics.proto: bucket i counts values in (bounds[i-1], bounds[i]]).
  auto i = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), v) - bounds.begin());
  ++buckets[i];
  min = count == 0 ? v : std::min(min, v);
  max = count == 0 ? v : std::max(max, v);
  ++count;
  sum += v;
}

metrics_aggregator::metrics_aggregator(const encode_options& o, uint64_t start_unix_ns)
    : o_(o), start_(start_unix_ns) {}

metrics_aggregator::series& metrics_aggregator::find_series(const exchange& x) {
  const semconv& v = o_.version;
  // The key holds every input of the attribute set, in a buffer reused from call to call.
  key_.clear();
  key_.append(operation_name(x.ep)).push_back('\x1f');
  key_.append(provider_name(x, v)).push_back('\x1f');
  key_.append(request_model(x)).push_back('\x1f');
  key_.append(x.model_served).push_back('\x1f');
  key_.append(x.upstream);
  if (auto it = series_.find(key_); it != series_.end()) return it->second;
  if (series_.size() >= kMaxSeries) {
    series& overflow = series_["\x1e overflow"];
    if (overflow.attributes.empty()) overflow.attributes = {{"otel.metric.overflow", "true"}};
    return overflow;
  }
  series& s = series_[key_];
  s.attributes = {{"gen_ai.operation.name", operation_name(x.ep)},
                  {v.provider_key(), provider_name(x, v)}};
  if (!request_model(x).empty())
    s.attributes.emplace_back("gen_ai.request.model", request_model(x));
  if (!x.model_served.empty()) s.attributes.emplace_back("gen_ai.response.model", x.model_served);
  if (auto it = o_.servers.find(x.upstream); it != o_.servers.end()) {
    s.attributes.emplace_back("server.address", it->second.first);
    s.attributes.emplace_back("server.port", std::to_string(it->second.second));
  }
  return s;
}

void metrics_aggregator::record(const exchange& x) {
  series& s = find_series(x);
  // Every call has a duration (the conventions make it required), failed ones with error.type.
  const std::string error = error_type(x);
  auto d = std::find_if(s.durations.begin(), s.durations.end(),
                        [&](const auto& p) { return p.first == error; });
  if (d == s.durations.end()) d = s.durations.insert(s.durations.end(), {error, histogram{}});
  d->second.observe(duration_bounds(), static_cast<double>(end_stamp(x) - x.t.accepted) / 1e9);
  if (o_.version.streaming_facts() && x.stream && x.t.first_token > 0)
    s.h[ttfc].observe(duration_bounds(), static_cast<double>(x.t.first_token - x.t.accepted) / 1e9);
  // Token counts only when known (the conventions: "when counts are available").
  const auto& u = x.usage;
  if (u.input_tokens >= 0)
    s.h[input_tokens].observe(token_bounds(), static_cast<double>(u.input_tokens));
  if (u.output_tokens >= 0)
    s.h[output_tokens].observe(token_bounds(), static_cast<double>(u.output_tokens));
  if (u.cached_input_tokens >= 0)
    s.h[cache_read_tokens].observe(token_bounds(), static_cast<double>(u.cached_input_tokens));
  if (u.reasoning_tokens >= 0)
    s.h[reasoning_tokens].observe(token_bounds(), static_cast<double>(u.reasoning_tokens));
}

void metrics_aggregator::export_to(pb_metrics::ScopeMetrics& scope, uint64_t now_unix_ns) const {
  struct metric_def {
    const char* name;
    const char* unit;
    const char* description;
    const std::vector<double>& bounds;
  };
  auto start_metric = [&](pb_metrics::Metric*& metric, const metric_def& m) {
    if (metric != nullptr) return;
    metric = scope.add_metrics();
    metric->set_name(m.name);
    metric->set_unit(m.unit);
    metric->set_description(m.description);
    metric->mutable_histogram()->set_aggregation_temporality(
        pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  };
  auto add_point = [&](pb_metrics::Metric* metric, const metric_def& m, const series& s,
                       const histogram& h, const char* extra_key, const std::string& extra_value) {
    pb_metrics::HistogramDataPoint* p = metric->mutable_histogram()->add_data_points();
    add_point_attributes(*p, s.attributes);
    if (extra_key != nullptr) {
      auto* kv = p->add_attributes();
      kv->set_key(extra_key);
      kv->mutable_value()->set_string_value(extra_value);
    }
    p->set_start_time_unix_nano(start_);
    p->set_time_unix_nano(now_unix_ns);
    p->set_count(h.count);
    p->set_sum(h.sum);
    p->set_min(h.min);
    p->set_max(h.max);
    for (size_t i = 0; i <= m.bounds.size(); ++i) p->add_bucket_counts(h.buckets[i]);
    for (double b : m.bounds) p->add_explicit_bounds(b);
  };

  const metric_def duration{kDuration, "s", "GenAI operation duration", duration_bounds()};
  const metric_def tokens{kTokens, "{token}", "Number of input and output tokens used",
                          token_bounds()};
  const metric_def first_chunk{kTtfc, "s", "Time to receive the first chunk of a streamed response",
                               duration_bounds()};
  const metric_def detail{
      kTokenDetail, "{token}",
      "Cached input and reasoning output tokens (parts of input and output, not in addition)",
      token_bounds()};
  pb_metrics::Metric* m = nullptr;
  for (const auto& [key, s] : series_)
    for (const auto& [error, h] : s.durations) {
      start_metric(m, duration);
      add_point(m, duration, s, h, error.empty() ? nullptr : "error.type", error);
    }
  m = nullptr;
  for (const auto& [key, s] : series_)
    for (auto [slot_id, type] :
         {std::pair{input_tokens, "input"}, std::pair{output_tokens, "output"}})
      if (s.h[slot_id].count > 0) {
        start_metric(m, tokens);
        add_point(m, tokens, s, s.h[slot_id], "gen_ai.token.type", type);
      }
  m = nullptr;
  for (const auto& [key, s] : series_)
    if (s.h[ttfc].count > 0) {
      start_metric(m, first_chunk);
      add_point(m, first_chunk, s, s.h[ttfc], nullptr, {});
    }
  m = nullptr;
  for (const auto& [key, s] : series_)
    for (auto [slot_id, type] :
         {std::pair{cache_read_tokens, "cache_read"}, std::pair{reasoning_tokens, "reasoning"}})
      if (s.h[slot_id].count > 0) {
        start_metric(m, detail);
        add_point(m, detail, s, s.h[slot_id], "gen_ai.token.type", type);
      }
}

}  // namespace llmtap::sinks::otlp
