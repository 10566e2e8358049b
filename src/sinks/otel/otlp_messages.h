#pragma once
// The sampled prompt and completion (exchange::sample_input / sample_output, already redacted)
// in the GenAI conventions' message format (gen-ai-input-messages.json / -output-messages.json):
// [{"role": ..., "parts": [{"type": "text", "content": ...} | {"type": "tool_call", ...}],
//   "finish_reason": ...}]. Returns "" when there is nothing to convert.
#include <string>

#include "core/exchange.h"

namespace llmtap::sinks::otlp {

std::string input_messages(const exchange& x);
std::string output_messages(const exchange& x);

}  // namespace llmtap::sinks::otlp
