#include "metrics/exposition.h"

namespace llmtap::metrics {
namespace {

constexpr const char* kTokenLabels[kTokenTypes] = {"type=\"input\"", "type=\"output\"",
                                                   "type=\"cached\"", "type=\"reasoning\""};

template <class Get>
void counter_family(std::string& out, const snapshot& s, const char* name, const char* help,
                    Get get) {
  append_family_header(out, name, metric_type::counter, help);
  for (const auto& p : s.calls) append_sample(out, name, *p.labels, {}, get(p.v));
}

template <class Get>
void histogram_family(std::string& out, const snapshot& s, const char* name, const char* help,
                      const bucket_layout& layout, Get get, bool skip_empty) {
  append_family_header(out, name, metric_type::histogram, help);
  for (const auto& p : s.calls) {
    const histogram_values& h = get(p.v);
    if (skip_empty && h.count() == 0) continue;
    append_histogram(out, name, *p.labels, layout, h);
  }
}

void ratelimit_family(std::string& out, const snapshot& s, const char* name, const char* help,
                      int64_t ratelimit_point::*requests, int64_t ratelimit_point::*tokens) {
  append_family_header(out, name, metric_type::gauge, help);
  for (const auto& p : s.limits) {
    if (p.*requests >= 0) append_sample(out, name, *p.labels, "kind=\"requests\"", p.*requests);
    if (p.*tokens >= 0) append_sample(out, name, *p.labels, "kind=\"tokens\"", p.*tokens);
  }
}

}  // namespace

const char* group_name(series_group g) {
  switch (g) {
    case group_calls:
      return "calls";
    case group_errors:
      return "errors";
    case group_ratelimit:
      return "ratelimit";
    case kSeriesGroups:
      break;
  }
  return "?";
}

void encode(const snapshot& s, std::string& out) {
  counter_family(out, s, "llmtap_requests_total", "Calls through the proxy.",
                 [](const call_values& v) { return v.requests; });
  histogram_family(
      out, s, "llmtap_request_duration_seconds",
      "From the first request byte to the last response byte (a stream's end), in seconds.",
      genai_duration_buckets(), [](const call_values& v) -> const auto& { return v.duration; },
      false);
  histogram_family(
      out, s, "llmtap_time_to_first_token_seconds",
      "Streams: from the first request byte to the first event with content, in "
      "seconds.",
      genai_duration_buckets(), [](const call_values& v) -> const auto& { return v.ttft; }, true);
  histogram_family(
      out, s, "llmtap_overhead_seconds", "Time a call spent in llmtap's own code, in seconds.",
      overhead_buckets(), [](const call_values& v) -> const auto& { return v.overhead; }, false);

  append_family_header(out, "llmtap_tokens_total", metric_type::counter,
                       "Tokens by type: input, output, cached (part of input), reasoning (part "
                       "of output).");
  for (const auto& p : s.calls)
    for (size_t t = 0; t < kTokenTypes; ++t)
      append_sample(out, "llmtap_tokens_total", *p.labels, kTokenLabels[t], p.v.tokens[t]);

  counter_family(out, s, "llmtap_cost_usd_total",
                 "Cost of the priced calls in US dollars (unpriced calls add nothing).",
                 [](const call_values& v) { return v.cost_usd; });
  counter_family(out, s, "llmtap_unpriced_requests_total",
                 "Calls with token usage but no price for their model (cost unknown, never $0).",
                 [](const call_values& v) { return v.unpriced; });

  append_family_header(out, "llmtap_errors_total", metric_type::counter,
                       "Calls that ended in an error, by error_type.");
  for (const auto& p : s.errors) append_sample(out, "llmtap_errors_total", *p.labels, {}, p.count);

  ratelimit_family(out, s, "llmtap_ratelimit_limit",
                   "Last x-ratelimit-limit-requests/-tokens header seen.",
                   &ratelimit_point::limit_requests, &ratelimit_point::limit_tokens);
  ratelimit_family(out, s, "llmtap_ratelimit_remaining",
                   "Last x-ratelimit-remaining-requests/-tokens header seen.",
                   &ratelimit_point::remaining_requests, &ratelimit_point::remaining_tokens);

  append_family_header(out, "llmtap_metrics_series_overflow_total", metric_type::counter,
                       "Updates not recorded because their series group reached "
                       "prometheus.max_series label sets.");
  for (size_t g = 0; g < kSeriesGroups; ++g) {
    std::string label = "group=\"";
    label += group_name(static_cast<series_group>(g));
    label += '"';
    append_sample(out, "llmtap_metrics_series_overflow_total", {}, label, s.overflow[g]);
  }
}

}  // namespace llmtap::metrics
