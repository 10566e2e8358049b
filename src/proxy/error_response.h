#pragma once
// Answers llmtap gives itself (bad request, upstream down...), shaped like OpenAI's error bodies
// so SDKs surface the message: {"error":{"message","type","param","code"}}.
#include <string>
#include <string_view>

namespace llmtap::proxy {

struct proxy_error_info {
  int status;
  const char* type;  // OpenAI-style error type
  const char* code;  // machine-readable code
};

// Known cases, one per status we produce.
inline constexpr proxy_error_info kBadRequest{400, "invalid_request_error", "bad_request"};
inline constexpr proxy_error_info kUnknownUpstream{404, "invalid_request_error",
                                                   "unknown_upstream"};
inline constexpr proxy_error_info kRequestTimeout{408, "invalid_request_error", "request_timeout"};
inline constexpr proxy_error_info kBodyTooLarge{413, "invalid_request_error", "request_too_large"};
inline constexpr proxy_error_info kHeadersTooLarge{431, "invalid_request_error",
                                                   "headers_too_large"};
inline constexpr proxy_error_info kUpstreamUnreachable{502, "upstream_error",
                                                       "upstream_unreachable"};
inline constexpr proxy_error_info kUpstreamTls{502, "upstream_error", "upstream_tls_error"};
inline constexpr proxy_error_info kBadUpstreamResponse{502, "upstream_error",
                                                       "bad_upstream_response"};
inline constexpr proxy_error_info kUpstreamTimeout{504, "upstream_error", "upstream_timeout"};

// A complete HTTP/1.1 response (head and JSON body). The message must not hold secrets.
std::string make_error_response(const proxy_error_info& e, std::string_view message, bool close);

std::string json_escape(std::string_view s);

}  // namespace llmtap::proxy
