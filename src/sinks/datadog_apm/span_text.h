#pragma once
// The prompt and completion text tags of a sampled call, named as dd-trace-py v2.21 tags them
// (reference datadog-guance.md §3c): openai.request.messages.<i>.content, .role, .name;
// openai.request.prompt.<i>; openai.request.input.<i>; openai.response.choices.<i>.message.content,
// .message.role, .message.tool_calls.<j>.name/.arguments, .text, .finish_reason;
// openai.response.text; openai.response.images.<i>.url / .b64_json.
// Taken only from exchange::sample_input / sample_output (redacted by the pipeline), and only when
// the call is sampled: this is the one place prompt text enters a span.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::sinks {

// The tracer's default DD_OPENAI_SPAN_CHAR_LIMIT.
inline constexpr size_t kSpanCharLimit = 128;

// The tracer's trunc(): "\n" and "\t" escaped, then cut at `limit` characters (code points)
// with "..." appended.
std::string span_trunc(std::string_view text, size_t limit = kSpanCharLimit);

using tag_sink = std::function<void(std::string_view key, std::string_view value)>;

// Calls `add` for each text tag of a sampled call; nothing for an unsampled one.
void sampled_text_tags(const exchange& x, const tag_sink& add, size_t limit = kSpanCharLimit);

}  // namespace llmtap::sinks
