#pragma once
// Helpers shared by the two halves of sampling: sampling.cpp (the decision, request and JSON
// bodies, redaction) and sample_stream.cpp (completions rebuilt from a stream's chunks).
// Internal to the pipeline.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::pipeline::sample_text {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i);
bool utf8_valid(std::string_view s);
// Invalid bytes become U+FFFD, so the JSON parser and the exporters only ever see valid UTF-8.
std::string sanitize_utf8(std::string_view s);
// Parsed in place when valid UTF-8, else mended first; a discarded value when not JSON.
nlohmann::json parse_lenient(std::string_view bytes);

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

// The completion of a streamed chat (`text_completion` false) or completions call: one entry per
// choice, in the shape of a non-streamed response's choices.
nlohmann::json chat_choices_from_stream(const exchange& x, bool text_completion);
// The output items of a streamed Responses call: the terminal event's, else the text deltas.
nlohmann::json responses_output_from_stream(const exchange& x);

}  // namespace llmtap::pipeline::sample_text
