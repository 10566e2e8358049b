#include "sinks/datadog_apm/span_encoder.h"

#include <fmt/format.h>

#include "openai/endpoint.h"
#include "sinks/datadog_apm/msgpack.h"
#include "sinks/datadog_apm/span_text.h"
#include "sinks/dogstatsd/datadog_facts.h"

namespace llmtap::sinks {
namespace {

constexpr std::string_view kFirstFinishReason = "openai.response.choices.0.finish_reason";

std::string error_message(const exchange& x, const char* type) {
  std::string_view t(type);
  bool transport = x.result != outcome::ok && x.result != outcome::client_aborted &&
                   x.result != outcome::rejected;
  if (transport && !x.proxy_error.empty()) return x.proxy_error;  // llmtap's own words, no secrets
  if (x.status >= 400) {
    std::string m = fmt::format("Error code: {}", x.status);
    if (!x.error_type.empty()) m += " - " + x.error_type;
    if (!x.error_code.empty() && x.error_code != x.error_type) m += " (" + x.error_code + ")";
    return m;
  }
  if (t == "openai.APIError") return "An error occurred during streaming: " + x.error_type;
  return "Connection error.";
}

bool is_azure(const exchange& x) {
  return !x.deployment.empty() || x.path.rfind("/openai/", 0) == 0;
}

}  // namespace

void span_encoder::append_span(const exchange& x, std::string& out) {
  using namespace datadog;
  meta_.clear();
  metrics_.clear();
  msgpack::writer m(meta_), n(metrics_);
  uint32_t metas = 0, nums = 0;
  auto meta = [&](std::string_view k, std::string_view v) {
    m.str(k);
    m.str(v);
    ++metas;
  };
  auto meta_if = [&](std::string_view k, std::string_view v) {
    if (!v.empty()) meta(k, v);
  };
  auto num = [&](std::string_view k, double v) {
    n.str(k);
    n.f64(v);
    ++nums;
  };
  auto num_if = [&](std::string_view k, int64_t v) {
    if (v >= 0) num(k, static_cast<double>(v));
  };

  meta("component", "openai");
  meta("span.kind", "client");
  meta_if("env", x.env);
  meta_if("version", x.version);
  if (x.trace.trace_id_hi != 0) {
    char tid[16];
    fmt::format_to_n(tid, sizeof tid, "{:016x}", x.trace.trace_id_hi);
    meta("_dd.p.tid", std::string_view(tid, sizeof tid));
  }
  meta("openai.request.client", is_azure(x) ? "AzureOpenAI" : "OpenAI");
  meta("openai.request.endpoint", endpoint_of(x));
  meta_if("openai.request.method", x.method);
  meta_if("openai.request.model", model_of(x));
  if (x.stream_requested) meta("openai.request.stream", "True");
  meta_if("openai.response.model", x.model_served);
  meta_if("openai.user.api_key", x.key_label);
  meta_if("openai.organization.id", x.organization);
  meta_if("openai.organization.name", x.organization_name);
  meta_if(kFirstFinishReason, x.finish_reason);
  if (x.status != 0) meta("http.status_code", fmt::format_int(x.status).c_str());
  meta_if("llmtap.upstream", x.upstream);
  meta_if("llmtap.request_id", x.request_id);
  if (x.result != outcome::ok) meta("llmtap.outcome", to_string(x.result));
  const char* err_type = error_type_of(x);
  bool failed = *err_type != '\0';
  if (failed) {
    meta("error.type", err_type);
    meta("error.message", error_message(x, err_type));
  }
  if (x.sampled) {
    sampled_text_tags(x, [&](std::string_view k, std::string_view v) {
      if (k == kFirstFinishReason && !x.finish_reason.empty()) return;  // already set, once
      meta(k, v);
    });
  }

  num("_dd.measured", 1);
  num("_sampling_priority_v1", x.trace.sampling_priority);
  if (x.trace.parent_span_id == 0) num("_dd.top_level", 1);
  const usage& u = x.usage;
  if (u.source != usage_source::none) {
    num_if("openai.response.usage.prompt_tokens", u.input_tokens);
    num_if("openai.response.usage.completion_tokens", u.output_tokens);
    num_if("openai.response.usage.total_tokens", total_tokens(x));
    num_if("openai.response.usage.cached_tokens", u.cached_input_tokens);
    num_if("openai.response.usage.reasoning_tokens", u.reasoning_tokens);
    if (x.stream) {
      double est = u.source == usage_source::estimated ? 1 : 0;
      num("openai.request.prompt_tokens_estimated", est);
      num("openai.response.completion_tokens_estimated", est);
    }
  }
  const rate_limits& rl = x.limits;
  num_if("openai.organization.ratelimit.requests.limit", rl.limit_requests);
  num_if("openai.organization.ratelimit.requests.remaining", rl.remaining_requests);
  num_if("openai.organization.ratelimit.tokens.limit", rl.limit_tokens);
  num_if("openai.organization.ratelimit.tokens.remaining", rl.remaining_tokens);
  if (x.cost_nano_usd >= 0) num("openai.request.cost", static_cast<double>(x.cost_nano_usd) / 1e9);
  num_if("openai.request.time_to_first_token", time_to_first_token_ns(x));

  msgpack::writer w(out);
  w.map_header(12);
  w.str("trace_id");
  w.uint(x.trace.trace_id_lo);
  w.str("span_id");
  w.uint(x.trace.span_id);
  w.str("parent_id");
  w.uint(x.trace.parent_span_id);
  w.str("name");
  w.str("openai.request");
  w.str("resource");
  w.str(openai::operation_id(x.ep));
  w.str("service");
  w.str(x.service.empty() ? std::string_view(o_.default_service) : std::string_view(x.service));
  w.str("type");
  w.str("llm");
  w.str("start");
  w.sint(x.wall_start_unix_ns);
  w.str("duration");
  w.sint(duration_ns(x));
  w.str("error");
  w.uint(failed ? 1 : 0);
  w.str("meta");
  w.map_header(metas);
  out.append(meta_);
  w.str("metrics");
  w.map_header(nums);
  out.append(metrics_);
}

void span_encoder::append_payload(const std::vector<std::shared_ptr<const exchange>>& calls,
                                  std::string& out) {
  msgpack::writer w(out);
  w.array_header(static_cast<uint32_t>(calls.size()));
  for (const auto& x : calls) {
    w.array_header(1);
    append_span(*x, out);
  }
}

}  // namespace llmtap::sinks
