#pragma once
// Usage when the response reported none: an interrupted stream, a stream whose usage was not
// asked for, or a compatible server that omits it. Tokens are counted with llmtap's own
// tiktoken-compatible tokenizer: the prompt from the request (with the chat message rules), the
// completion from the text that was received. The result is marked `estimated`.
#include "core/exchange.h"

namespace llmtap::pipeline {

// Fills x.usage when it has no reported usage and the call's text can be read. Returns whether
// it did. Runs on the pipeline thread.
bool estimate_usage(exchange& x);

}  // namespace llmtap::pipeline
