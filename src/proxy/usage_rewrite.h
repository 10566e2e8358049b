#pragma once
// The one change llmtap makes to traffic (on by default, `proxy.inject_include_usage`): a
// streamed chat/completions request that did not ask for usage gets
// `stream_options.include_usage: true` on the way up, and the extra usage event that this makes
// the upstream send is removed on the way down. The client sees the events it would have seen,
// and the usage is exact instead of estimated. (Datadog's Python tracer does the same.)
#include <cstdint>
#include <string>
#include <string_view>

#include "openai/sse.h"

namespace llmtap::proxy {

// If `body` is a JSON object with top-level `"stream": true` and without
// `stream_options.include_usage: true`, writes the body with usage requested into `out` and
// returns true. Otherwise returns false and leaves `out` alone. One pass over the body, no JSON
// tree; a body it cannot follow is left unchanged (false).
bool add_include_usage(std::string_view body, std::string& out);

// The same for a body already parsed (openai::parse_request: a JSON object, every top-level
// member read, none of them "stream_options"): `"stream_options":{"include_usage":true}` goes in
// before the closing brace, found from the end without a scan. False when the body does not end
// with '}' (then add_include_usage decides).
bool add_stream_options(std::string_view body, std::string& out);

// Passes on a decoded SSE body minus the first usage-only event (`"choices":[]` with a usage
// object), which only exists because llmtap asked for it. The stream's framer (which the relay
// runs on every stream anyway) tells it where events end: it scans nothing itself (its own
// scan for event ends was ~6,000 instructions a call, bench/README.md "Session 10").
class usage_event_filter {
 public:
  // Each event the framer dispatches, in order (before the feed() of the chunk it ended in).
  void observe(const openai::sse_event& ev);
  // The chunk the framer was just fed. Appends to `out` the stream up to `hold_from` (the
  // framer's event_begin(): bytes before it belong to ended events), minus the usage event;
  // the rest is held until its event ends.
  void feed(std::string_view decoded, uint64_t hold_from, std::string& out);
  // End of the stream: whatever is held is passed on as is.
  void finish(std::string& out);
  void reset();
  bool dropped() const { return drop_end_ > 0; }

 private:
  void put(uint64_t a, uint64_t b, std::string_view decoded, uint64_t start, std::string& out);
  std::string held_;         // stream bytes [emitted_, fed_) not passed on yet
  uint64_t emitted_ = 0;     // stream offset up to which bytes went to `out` (or were dropped)
  uint64_t fed_ = 0;         // stream bytes fed so far
  uint64_t drop_begin_ = 0;  // the usage event's bytes, once found (drop_end_ > 0); left out
  uint64_t drop_end_ = 0;    // once emitted_ has passed them
  bool skip_lf_ = false;     // its blank line's CR ended a chunk: a LF starting the next is its
};

}  // namespace llmtap::proxy
