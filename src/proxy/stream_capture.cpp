#include "proxy/stream_capture.h"

#include <algorithm>

namespace llmtap::proxy {
namespace {
// The first event reserves room for a typical stream (a compacted 40-chunk answer is ~4 KB), so
// the capture is not regrown from 15 bytes by doubling, copying what it holds each time.
constexpr size_t kStreamCaptureStart = 4 * 1024;
}  // namespace

void append_capped(capture& c, std::string_view bytes, size_t cap) {
  size_t room = cap > c.bytes.size() ? cap - c.bytes.size() : 0;
  if (bytes.size() > room) c.truncated = true;
  const size_t n = std::min(room, bytes.size());
  keep_padding(c.bytes, n);
  c.bytes.append(bytes.data(), n);
}

void assign_padded(std::string& s, std::string_view bytes) {
  assign_padded(s, {}, bytes);
}

void assign_padded(std::string& s, std::string_view lead, std::string_view bytes) {
  s.clear();
  keep_padding(s, lead.size() + bytes.size());
  s.append(lead).append(bytes);
}

size_t append_event_capped(capture& c, std::string_view lead, std::string_view payload,
                           size_t cap) {
  if (c.truncated) return kNotKept;
  if (c.bytes.capacity() < kStreamCaptureStart) c.bytes.reserve(std::min(cap, kStreamCaptureStart));
  size_t room = cap > c.bytes.size() ? cap - c.bytes.size() : 0;
  const size_t n = lead.size() + payload.size();
  if (n + 1 > room) {
    c.truncated = true;
    return kNotKept;
  }
  // The padding after it lets the pipeline parse the last record in place (a tail event).
  keep_padding(c.bytes, n + 1);
  const size_t at = c.bytes.size();
  c.bytes.append(lead).append(payload).push_back(kRecordSeparator);
  return at;
}

std::string_view compact_chunk(std::string_view payload, std::string& header,
                               std::string_view& lead) {
  lead = {};
  constexpr std::string_view kChoices = "\"choices\":";
  // Nearly every chunk after the first starts with the remembered fields: one comparison decides
  // (searching for "choices" first stopped at every quote of the header: ~750 instructions a
  // chunk).
  if (!header.empty() && payload.size() > header.size() + kChoices.size() &&
      payload.starts_with(header) && payload.substr(header.size()).starts_with(kChoices)) {
    lead = "{";
    return payload.substr(header.size());
  }
  size_t at = payload.find(kChoices);
  if (at == std::string_view::npos || at < 2 || payload[at - 1] != ',') return payload;
  std::string_view head = payload.substr(0, at);  // "{...," up to the comma before "choices"
  if (header.empty()) {
    header.assign(head);
    return payload;
  }
  if (head != header) return payload;
  lead = "{";
  return payload.substr(at);
}

}  // namespace llmtap::proxy
