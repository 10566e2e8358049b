#pragma once
// Bodies for the micro-benchmarks, generated in code so that the benchmark needs no files: the
// same shapes the wall-clock harness sends and answers (a ~1.1 KB chat request, a chat completion
// with usage, and an 18-event chat.completion.chunk stream whose last chunk carries usage).
// Event sizes (~300 bytes) follow OpenAI's chunk layout; the text is made up.
#include <string>

#include "core/exchange.h"

namespace llmtap::bench {

std::string chat_request(bool stream);
std::string chat_response();
// `content_events` chunks with text between the role chunk and the finish chunk; the usage chunk
// and [DONE] follow when `with_usage`.
std::string chat_stream(int content_events = 15, bool with_usage = true);

// A finished exchange as the worker hands it over: captures filled the way session.cpp fills
// them (stream events through the real framer), stamps and headers set.
exchange json_exchange();
exchange stream_exchange(bool with_usage = true);

// The worker's observation of one streamed response body: the framer, the tail-event ring and
// the stream_content capture, exactly as relay_response_body does it.
void observe_stream(exchange& x, std::string_view body, size_t read_size);

}  // namespace llmtap::bench
