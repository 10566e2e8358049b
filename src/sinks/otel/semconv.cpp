#include "sinks/otel/semconv.h"

#include <algorithm>
#include <charconv>

#include "openai/endpoint.h"

namespace llmtap::sinks::otlp {

std::string semconv::schema_url() const {
  return "https://opentelemetry.io/schemas/1." + std::to_string(minor) + ".0";
}

bool parse_semconv(std::string_view text, semconv& out) {
  if (text == "latest") {
    out.minor = kNewestSemconv;
    return true;
  }
  if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.remove_suffix(2);
  if (text.substr(0, 2) != "1.") return false;
  text.remove_prefix(2);
  int minor = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), minor);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (minor < kOldestSemconv || minor > kNewestSemconv) return false;
  out.minor = minor;
  return true;
}

const char* operation_name(endpoint ep) {
  switch (ep) {
    case endpoint::chat_completions:
    case endpoint::responses:
      return "chat";  // openai.md: Responses is chat, openai.api.type tells them apart
    case endpoint::completions:
      return "text_completion";
    case endpoint::embeddings:
      return "embeddings";
    default:
      return openai::operation_id(ep);
  }
}

bool is_inference(endpoint ep) {
  return ep == endpoint::chat_completions || ep == endpoint::responses ||
         ep == endpoint::completions;
}

const char* provider_name(const exchange& x, const semconv& v) {
  const bool azure = !x.deployment.empty() || x.path.rfind("/openai/", 0) == 0;
  if (!azure) return "openai";
  return v.provider_name() ? "azure.ai.openai" : "az.ai.openai";
}

std::string error_type(const exchange& x) {
  if (x.result == outcome::ok && x.status < 400) return {};
  if (!x.error_type.empty()) return x.error_type;
  if (x.status >= 400) return std::to_string(x.status);
  return to_string(x.result);
}

std::string finish_reason(const exchange& x) {
  if (x.ep != endpoint::responses) return x.finish_reason;
  const std::string& r = x.finish_reason;
  if (r == "completed") return "stop";
  if (r == "max_output_tokens") return "length";
  if (r == "failed" || r == "cancelled") return "error";
  return r;
}

int64_t end_stamp(const exchange& x) {
  const stamps& t = x.t;
  return std::max({t.accepted, t.request_head_done, t.upstream_connect_start, t.upstream_connected,
                   t.request_sent, t.first_byte, t.first_token, t.last_byte});
}

}  // namespace llmtap::sinks::otlp
