#pragma once
// One function per OpenAI endpoint: a parsed request in, a complete reply (body or SSE frames)
// out. Routing, auth, fault injection and headers happen before/after, in routes.cpp.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mock/reply.h"

namespace llmtap::mock {

struct call_context {
  const nlohmann::json& body;  // a JSON object (routes checks that)
  std::string model;           // what the response names (snapshot or Azure deployment's model)
  int64_t forced_tokens = -1;  // x-mock-tokens
  bool malformed = false;      // x-mock-malformed
  bool stream_error = false;   // x-mock-stream-error
  unsigned embedding_dimensions = 8;
  int64_t created = 0;  // unix seconds
};

reply chat_completions(const call_context& ctx);
reply completions(const call_context& ctx);
reply embeddings(const call_context& ctx);
reply responses(const call_context& ctx);
reply list_models(int64_t now);
reply get_model(std::string_view id);

// Shared by the endpoint files.
namespace detail {

int64_t get_int(const nlohmann::json& j, const char* key, int64_t fallback);
bool get_bool(const nlohmann::json& j, const char* key, bool fallback);
// A message/input `content`: a string, or an array of parts whose `text` fields are joined.
std::string content_text(const nlohmann::json& content);

struct completion_plan {
  std::vector<std::string> tokens;  // one element per completion token
  bool truncated = false;           // cut by max_tokens: finish_reason "length"
};
completion_plan plan_completion(uint64_t seed, int64_t forced_tokens, int64_t max_tokens);

nlohmann::ordered_json chat_usage(uint64_t prompt, uint64_t completion);
std::string stream_error_json();  // the in-band `data: {"error":...}` payload

}  // namespace detail
}  // namespace llmtap::mock
