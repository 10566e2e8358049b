#pragma once
// The one change llmtap makes to traffic (on by default, `proxy.inject_include_usage`): a
// streamed chat/completions request that did not ask for usage gets
// `stream_options.include_usage: true` on the way up, and the extra usage event that this makes
// the upstream send is removed on the way down. The client sees the events it would have seen,
// and the usage is exact instead of estimated. (Datadog's Python tracer does the same.)
#include <string>
#include <string_view>

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

// Splits a decoded SSE body into events and passes on all but the first usage-only event
// (`"choices":[]` with a usage object), which only exists because llmtap asked for it.
class usage_event_filter {
 public:
  // Appends to `out` the bytes of every event completed by `decoded`, minus the usage event.
  // A partial event is held until its end arrives.
  void feed(std::string_view decoded, std::string& out);
  // End of the stream: whatever is held is passed on as is.
  void finish(std::string& out);
  void reset();
  bool dropped() const { return dropped_; }

 private:
  std::string pending_;
  size_t scanned_ = 0;  // bytes of pending_ already searched for an event end
  bool dropped_ = false;
};

}  // namespace llmtap::proxy
