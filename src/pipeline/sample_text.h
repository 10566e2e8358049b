#pragma once
// Helpers shared by the parts of sampling: sampling.cpp (the decision, redaction, UTF-8),
// sample_body.cpp (the prompt and the completion from JSON bodies) and sample_stream.cpp
// (completions rebuilt from a stream's chunks). Internal to the pipeline.
#include <simdjson.h>

#include <string>
#include <string_view>

#include "core/exchange.h"
#include "pipeline/sample_json.h"

namespace llmtap::pipeline::sample_text {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i);
bool utf8_valid(std::string_view s);
// Invalid bytes become U+FFFD, so the JSON parser and the exporters only ever see valid UTF-8.
std::string sanitize_utf8(std::string_view s);

// What one sampler reuses from call to call (pipeline thread only): the parser's buffers, the
// mended copy of a body, the writer's output and scratch.
struct workspace {
  simdjson::dom::parser parser;
  std::string mended;
  sample_json::writer w;
};

// Splits the kept stream payloads (each followed by kRecordSeparator) and the first event.
template <class F>
inline void for_each_event(const exchange& x, F&& f) {
  if (x.event_count > 0 && !x.events[0].empty()) f(std::string_view(x.events[0]));
  std::string_view all(x.stream_content.bytes);
  while (!all.empty()) {
    size_t end = all.find(kRecordSeparator);
    std::string_view one = all.substr(0, end);
    if (!(x.event_count > 0 && one == x.events[0])) f(one);  // the first event may be in both
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
}

// Each writes one side of the sample into ws.w (started by the caller) and returns true, or
// returns false when the call has no such side (nothing captured, not JSON, another shape).
bool write_input(const exchange& x, workspace& ws);
bool write_output(const exchange& x, workspace& ws);

// The completion of a streamed chat (`text_completion` false) or completions call: one entry per
// choice, in the shape of a non-streamed response's choices.
void write_chat_stream(const exchange& x, bool text_completion, workspace& ws);
// The output items of a streamed Responses call: the terminal event's, else the text deltas.
void write_responses_stream(const exchange& x, workspace& ws);

}  // namespace llmtap::pipeline::sample_text
