#include "mock/content.h"
#include "mock/endpoints.h"
#include "mock/errors.h"

namespace llmtap::mock::detail {

int64_t get_int(const nlohmann::json& j, const char* key, int64_t fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  if (it->is_number_unsigned()) {
    auto v = it->get<uint64_t>();
    return v > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
  }
  if (it->is_number_integer()) return it->get<int64_t>();
  return fallback;
}

bool get_bool(const nlohmann::json& j, const char* key, bool fallback) {
  if (!j.is_object()) return fallback;
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string content_text(const nlohmann::json& content) {
  if (content.is_string()) return content.get<std::string>();
  std::string out;
  if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_string()) {
        out += part.get<std::string>();
      } else if (part.is_object()) {
        auto t = part.find("text");
        if (t != part.end() && t->is_string()) out += t->get<std::string>();
      }
      out += '\n';
    }
  }
  return out;
}

completion_plan plan_completion(uint64_t seed, int64_t forced_tokens, int64_t max_tokens) {
  // Capped so a stray header cannot make the mock build a gigabyte reply.
  constexpr int64_t k_cap = 100000;
  int64_t n = forced_tokens >= 0 ? forced_tokens : static_cast<int64_t>(default_length(seed));
  completion_plan p;
  if (max_tokens > 0 && n > max_tokens) {
    n = max_tokens;
    p.truncated = true;
  }
  n = std::min(n, k_cap);
  p.tokens = generate_tokens(seed, static_cast<uint64_t>(n));
  return p;
}

nlohmann::ordered_json chat_usage(uint64_t prompt, uint64_t completion) {
  nlohmann::ordered_json u;
  u["prompt_tokens"] = prompt;
  u["completion_tokens"] = completion;
  u["total_tokens"] = prompt + completion;
  u["prompt_tokens_details"] = {{"cached_tokens", 0}, {"audio_tokens", 0}};
  u["completion_tokens_details"] = {{"reasoning_tokens", 0},
                                    {"audio_tokens", 0},
                                    {"accepted_prediction_tokens", 0},
                                    {"rejected_prediction_tokens", 0}};
  return u;
}

std::string stream_error_json() {
  return error_json("The server had an error while processing your request. Sorry about that!",
                    "server_error", "");
}

}  // namespace llmtap::mock::detail
