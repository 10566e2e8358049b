#include "sinks/dogstatsd/datadog_facts.h"

#include <algorithm>

#include "openai/endpoint.h"

namespace llmtap::sinks::datadog {

std::string_view model_of(const exchange& x) {
  if (!x.model_requested.empty()) return x.model_requested;
  if (!x.deployment.empty()) return x.deployment;
  return x.model_served;
}

std::string_view endpoint_of(const exchange& x) {
  const char* p = openai::canonical_path(x.ep);
  return *p != '\0' ? std::string_view(p) : std::string_view(x.path);
}

namespace {

const char* by_status(uint16_t status) {
  switch (status) {
    case 400:
      return "openai.BadRequestError";
    case 401:
      return "openai.AuthenticationError";
    case 403:
      return "openai.PermissionDeniedError";
    case 404:
      return "openai.NotFoundError";
    case 409:
      return "openai.ConflictError";
    case 422:
      return "openai.UnprocessableEntityError";
    case 429:
      return "openai.RateLimitError";
    default:
      return status >= 500 ? "openai.InternalServerError" : "openai.APIStatusError";
  }
}

bool got_head(const exchange& x) {
  return x.t.first_byte != 0 && x.status != 0 && x.status < 400;
}

}  // namespace

const char* error_type_of(const exchange& x) {
  switch (x.result) {
    case outcome::upstream_unreachable:
      return "openai.APIConnectionError";
    case outcome::upstream_timeout:
      return got_head(x) ? "httpx.ReadTimeout" : "openai.APITimeoutError";
    case outcome::upstream_disconnected:
      return got_head(x) ? "httpx.RemoteProtocolError" : "openai.APIConnectionError";
    default:
      break;
  }
  if (x.status >= 400) return by_status(x.status);
  if (x.result == outcome::internal_error) return "openai.APIConnectionError";
  // A 2xx whose body (or stream) carried an error object: the SDK raises openai.APIError.
  if (x.result == outcome::ok && !x.error_type.empty()) return "openai.APIError";
  return "";
}

bool is_error(const exchange& x) {
  return *error_type_of(x) != '\0';
}

int64_t duration_ns(const exchange& x) {
  const stamps& t = x.t;
  int64_t end = std::max({t.request_head_done, t.upstream_connect_start, t.upstream_connected,
                          t.request_sent, t.first_byte, t.first_token, t.last_byte});
  return t.accepted != 0 && end > t.accepted ? end - t.accepted : 0;
}

int64_t time_to_first_token_ns(const exchange& x) {
  if (x.t.first_token == 0 || x.t.accepted == 0 || x.t.first_token < x.t.accepted) return -1;
  return x.t.first_token - x.t.accepted;
}

const char* estimated_tag(const exchange& x) {
  switch (x.usage.source) {
    case usage_source::estimated:
      return "openai.estimated:true";
    case usage_source::reported:
      return x.stream ? nullptr : "openai.estimated:false";
    case usage_source::none:
      break;
  }
  return nullptr;
}

int64_t total_tokens(const exchange& x) {
  const usage& u = x.usage;
  if (u.total_tokens >= 0) return u.total_tokens;
  if (u.input_tokens >= 0 && u.output_tokens >= 0) return u.input_tokens + u.output_tokens;
  return -1;
}

}  // namespace llmtap::sinks::datadog
