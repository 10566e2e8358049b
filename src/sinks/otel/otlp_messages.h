#pragma once
// The sampled prompt and completion (exchange::sample_input / sample_output, already redacted
// and truncated by the pipeline) in the shapes the GenAI conventions define:
// - v1.37+: gen_ai.input.messages / gen_ai.output.messages, JSON arrays of
//   {"role", "parts": [...], "finish_reason" (output)} per the published schemas
//   (open-telemetry/semantic-conventions-genai docs/gen-ai/gen-ai-input-messages.json and
//   gen-ai-output-messages.json: TextPart, ToolCallRequestPart, ToolCallResponsePart, BlobPart,
//   FilePart, UriPart, ReasoningPart, GenericPart).
// - before v1.37: one event per message (gen_ai.system.message, gen_ai.user.message,
//   gen_ai.assistant.message, gen_ai.tool.message) and one gen_ai.choice per choice, each with a
//   structured body (semantic-conventions model/gen-ai/deprecated/events-deprecated.yaml).
// Only chat, Responses and completions calls have content in the conventions; others give none.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/exchange.h"

namespace llmtap::sinks::otlp {

// JSON text of the message arrays; "" when the call has no sample or no content to convert.
std::string input_messages(const exchange& x);
std::string output_messages(const exchange& x);

struct legacy_event {
  std::string name;     // gen_ai.user.message, gen_ai.choice...
  nlohmann::json body;  // the event body (a map)
};
// The pre-1.37 content events of a sampled call, in order: input messages, then choices.
std::vector<legacy_event> legacy_events(const exchange& x);

// OpenAI finish reasons in the conventions' FinishReason enum: tool_calls and function_call
// become tool_call; stop, length and content_filter stay; others pass through.
std::string gen_ai_finish_reason(std::string_view openai_reason);

}  // namespace llmtap::sinks::otlp
