#pragma once
// What the proxy keeps of a call's bodies for the pipeline: capped copies (core/exchange.h,
// `capture`). The cap (proxy.capture_max_bytes) bounds memory per call; past it, the capture is
// marked truncated and what it holds is not trusted for estimation or sampling.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::proxy {

// Makes room for `more` bytes and kCapturePadding after them (core/exchange.h).
inline void keep_padding(std::string& s, size_t more) {
  if (s.capacity() < s.size() + more + kCapturePadding)
    s.reserve(s.size() + more + kCapturePadding);
}

// Appends as much of `bytes` as fits under `cap`, with the padding after it.
void append_capped(capture& c, std::string_view bytes, size_t cap);
// Replaces `s` with `bytes`, with the padding after it (the stream's tail-event slots).
void assign_padded(std::string& s, std::string_view bytes);
// Replaces `s` with `lead` followed by `bytes` (a compacted chunk), with the padding after them.
void assign_padded(std::string& s, std::string_view lead, std::string_view bytes);

// One SSE payload, preceded by `lead`, and its kRecordSeparator, if all of it fits under `cap`;
// returns where the record starts in c.bytes. Otherwise nothing more is kept, the capture is
// marked truncated, and the return is kNotKept.
inline constexpr size_t kNotKept = static_cast<size_t>(-1);
size_t append_event_capped(capture& c, std::string_view lead, std::string_view payload, size_t cap);

// Chat and completion chunks repeat the same fields before "choices" in every event (id, object,
// created, model, service_tier, system_fingerprint: ~60% of a one-token chunk). The first payload
// with "choices" keeps them (and `header` remembers them, per call); a later payload that starts
// with the same bytes is kept as {"choices":...}: still a JSON object, which is all the capture's
// readers (usage estimation, sampling) parse it for. Returns the part of `payload` to keep and
// sets `lead` to "{" when it compacted, to "" otherwise.
std::string_view compact_chunk(std::string_view payload, std::string& header,
                               std::string_view& lead);

}  // namespace llmtap::proxy
