#pragma once
// Server-sent-event framing exactly as api.openai.com emits it: chat/completions streams are bare
// `data:` lines ending in `data: [DONE]`; the Responses API names each event with `event:`.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace llmtap::mock {

std::string dump_json(const nlohmann::ordered_json& j);  // compact; invalid UTF-8 replaced
std::string sse_data(const nlohmann::ordered_json& j);
std::string sse_event(std::string_view type, const nlohmann::ordered_json& j);
std::string sse_done();
// x-mock-malformed: a chunk cut in the middle of its JSON, which a strict parser must survive.
std::string sse_malformed(std::string_view object_kind);

}  // namespace llmtap::mock
