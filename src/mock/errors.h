#pragma once
// OpenAI error bodies ({"error":{message,type,param,code}}), with the messages the real API uses
// so that a proxy's error classification can be tested against the mock.
#include <string>
#include <string_view>

#include "mock/reply.h"

namespace llmtap::mock {

// `code` and `param` empty mean JSON null.
std::string error_json(std::string_view message, std::string_view type, std::string_view code,
                       std::string_view param = {});
reply error_reply(unsigned status, std::string_view message, std::string_view type,
                  std::string_view code, std::string_view param = {});

reply invalid_api_key();
reply not_found_url(std::string_view method, std::string_view path);
reply invalid_json_body();
reply body_too_large(std::size_t limit);
reply headers_too_large();
reply malformed_http();
reply rate_limited(std::string_view model, int retry_after_s);
reply insufficient_quota();
// A fitting body for any injected status (x-mock-status, --fail).
reply error_for_status(unsigned status, std::string_view model, int retry_after_s);
// x-mock-error: CODE -> the matching status and body; status 0 when the code is unknown.
reply error_for_code(std::string_view code, std::string_view model, int retry_after_s);

}  // namespace llmtap::mock
