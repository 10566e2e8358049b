#include "mock/errors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace llmtap::mock {

namespace {
nlohmann::ordered_json null_or(std::string_view s) {
  if (s.empty()) return nullptr;
  return std::string(s);
}
constexpr std::string_view k_server_error_msg =
    "The server had an error while processing your request. Sorry about that!";
}  // namespace

std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param) {
  nlohmann::ordered_json e;
  e["message"] = std::string(message);
  e["type"] = std::string(type);
  e["param"] = null_or(param);
  e["code"] = null_or(code);
  nlohmann::ordered_json j;
  j["error"] = std::move(e);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

reply error_reply(unsigned status, std::string_view message, std::string_view type,
                  std::string_view code, std::string_view param) {
  reply r;
  r.status = status;
  r.body = error_json(message, type, code, param);
  return r;
}

reply invalid_api_key() {
  return error_reply(
      401,
      "You didn't provide an API key. You need to provide your API key in an "
      "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "invalid_request_error", "invalid_api_key");
}

reply not_found_url(std::string_view method, std::string_view path) {
  return error_reply(404, fmt::format("Invalid URL ({} {})", method, path), "invalid_request_error",
                     "");
}

reply invalid_json_body() {
  return error_reply(400,
                     "We could not parse the JSON body of your request. (HINT: This likely means "
                     "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                     "payload, but what was sent was not valid JSON.)",
                     "invalid_request_error", "");
}

reply body_too_large(std::size_t limit) {
  reply r = error_reply(413, fmt::format("Request body too large: the limit is {} bytes.", limit),
                        "invalid_request_error", "request_too_large");
  r.close = true;  // the rest of the body is still on the wire: this connection cannot go on
  return r;
}

reply headers_too_large() {
  reply r = error_reply(431, "Request header fields too large.", "invalid_request_error", "");
  r.close = true;
  return r;
}

reply malformed_http() {
  reply r = error_reply(400, "Malformed HTTP request.", "invalid_request_error", "");
  r.close = true;
  return r;
}

reply rate_limited(std::string_view model, int retry_after_s) {
  std::string m(model.empty() ? "gpt-4o-mini" : model);
  reply r = error_reply(
      429,
      fmt::format("Rate limit reached for {} in organization org-mock on tokens per min (TPM): "
                  "Limit 30000, Used 29937, Requested 385. Please try again in {}s. Visit "
                  "https://platform.openai.com/account/rate-limits to learn more.",
                  m, retry_after_s),
      "tokens", "rate_limit_exceeded");
  r.headers.emplace_back("retry-after", std::to_string(retry_after_s));
  return r;
}

reply insufficient_quota() {
  return error_reply(429,
                     "You exceeded your current quota, please check your plan and billing "
                     "details. For more information on this error, read the docs: "
                     "https://platform.openai.com/docs/guides/error-codes/api-errors.",
                     "insufficient_quota", "insufficient_quota");
}

reply error_for_status(unsigned status, std::string_view model, int retry_after_s) {
  switch (status) {
    case 400:
      return error_reply(400, "Invalid request (injected by llmtap mock).", "invalid_request_error",
                         "");
    case 401:
      return error_reply(401,
                         "Incorrect API key provided: sk-mock***. You can find your API key at "
                         "https://platform.openai.com/account/api-keys.",
                         "invalid_request_error", "invalid_api_key");
    case 403:
      return error_reply(403, "Country, region, or territory not supported", "request_forbidden",
                         "unsupported_country_region_territory");
    case 404:
      return error_reply(
          404,
          fmt::format("The model `{}` does not exist or you do not have access to it.",
                      model.empty() ? "unknown" : model),
          "invalid_request_error", "model_not_found");
    case 408:
      return error_reply(408, "Request timed out.", "timeout", "");
    case 409:
      return error_reply(409, "Conflict: the resource was modified concurrently.",
                         "invalid_request_error", "conflict");
    case 422:
      return error_reply(422, "Unprocessable entity.", "invalid_request_error", "");
    case 429:
      return rate_limited(model, retry_after_s);
    case 500:
      return error_reply(500, k_server_error_msg, "server_error", "");
    case 502:
      return error_reply(502, "Bad gateway.", "server_error", "");
    case 503: {
      reply r = error_reply(503, "The engine is currently overloaded, please try again later",
                            "server_error", "");
      r.headers.emplace_back("retry-after", std::to_string(retry_after_s));
      return r;
    }
    case 504:
      return error_reply(504, "Gateway timeout.", "server_error", "");
    default:
      break;
  }
  if (status >= 500) return error_reply(status, k_server_error_msg, "server_error", "");
  return error_reply(
      status, fmt::format("Request failed with status {} (injected by llmtap mock).", status),
      "invalid_request_error", "");
}

reply error_for_code(std::string_view code, std::string_view model, int retry_after_s) {
  if (code == "insufficient_quota") return insufficient_quota();
  if (code == "rate_limit_exceeded") return rate_limited(model, retry_after_s);
  if (code == "server_error") return error_for_status(500, model, retry_after_s);
  if (code == "invalid_api_key") return error_for_status(401, model, retry_after_s);
  if (code == "model_not_found") return error_for_status(404, model, retry_after_s);
  if (code == "context_length_exceeded")
    return error_reply(400,
                       "This model's maximum context length is 128000 tokens. However, your "
                       "messages resulted in 130521 tokens. Please reduce the length of the "
                       "messages.",
                       "invalid_request_error", "context_length_exceeded", "messages");
  if (code == "overloaded") return error_for_status(503, model, retry_after_s);
  reply r;
  r.status = 0;
  return r;
}

}  // namespace llmtap::mock
