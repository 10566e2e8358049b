#pragma once
// Incremental text/event-stream framer (WHATWG "event stream interpretation"). Runs on the proxy
// worker's relay path, after the bytes went downstream: O(bytes), memchr line scanning, and no
// allocation once its buffers have grown to the stream's largest line/event.
// One framer per response; not thread-safe (owned by one worker).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace llmtap::openai {

struct sse_event {
  std::string_view event;  // empty when the event had no `event:` line (i.e. "message")
  std::string_view data;   // data lines joined by '\n'
  // Where the event's bytes lie in the stream (offsets from its first byte fed): from just after
  // the blank line before it to just after its own blank line, comments and all. (When that
  // blank line's CR ends a chunk, `end` is after the CR: its LF comes with the next chunk.)
  uint64_t begin = 0, end = 0;
};

class sse_framer {
 public:
  // Lines or events longer than this are dropped (the stream is still relayed untouched); this
  // bounds the memory a hostile or broken upstream can make us hold per stream.
  static constexpr size_t kDefaultMaxLine = size_t{8} << 20;

  explicit sse_framer(size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  // Calls on_event(const sse_event&) for each complete event. The views are valid only during
  // the call. Chunks may split anywhere, including between the \r and \n of a CRLF.
  template <class F>
  void feed(std::string_view bytes, F&& on_event);

  // True when bytes of an unfinished event are buffered: a stream ending now was cut mid-event.
  bool mid_event() const {
    return !line_.empty() || skipping_ || dropping_ || data_lines_ > 0 || has_event_;
  }

  void reset();

  // Where the event not ended yet begins, as a stream offset: every byte before it belongs to
  // an event that has ended (at a blank line). The include_usage filter holds what follows.
  uint64_t event_begin() const { return event_begin_; }

 private:
  template <class F>
  void on_line(std::string_view line, bool in_input, F& on_event, uint64_t line_end);
  void append_data(std::string_view value, bool in_input);
  void dispatched();
  void settle_views();  // the input chunk is going away: own what still points into it

  std::string line_;            // partial line carried over from a previous chunk
  std::string data_;            // joined data, when it could not stay a view into the input
  std::string event_;           // event name of the event being built
  std::string_view data_view_;  // single data line still inside the current input chunk
  size_t data_lines_ = 0;
  size_t max_line_;
  uint64_t offset_ = 0;       // stream offset of the chunk being fed
  uint64_t event_begin_ = 0;  // stream offset just after the last blank line
  bool data_in_view_ = false;
  bool has_event_ = false;
  bool pending_cr_ = false;  // the last chunk ended in \r: a leading \n is part of that CRLF
  bool skipping_ = false;    // discarding the rest of an over-long line
  bool dropping_ = false;    // the event's data grew past max_line_: it will not be dispatched
};

// Cheap test, without a JSON parse, whether an event carries generated output, to stamp time to
// first token: a chat/completions chunk with non-empty content/text/tool_calls/refusal/reasoning,
// or a Responses (or audio) delta event, named by `event:` or only by the data's "type".
bool event_has_content(std::string_view event_name, std::string_view data);

// ---- implementation of the template members ----

template <class F>
void sse_framer::feed(std::string_view bytes, F&& on_event) {
  const char* const base = bytes.data();
  const size_t n = bytes.size();
  size_t pos = 0;
  const uint64_t at = offset_;
  offset_ += n;
  if (pending_cr_ && n > 0) {
    pending_cr_ = false;
    if (base[0] == '\n') {
      pos = 1;
      if (event_begin_ == at) event_begin_ = at + 1;  // the LF of a blank line's CRLF
    }
  }
  // Next \n and next \r at or after pos (n = none). Each is rescanned only once passed, so a
  // chunk with many lines of one ending style costs O(bytes), not O(lines * bytes).
  size_t next_lf = 0, next_cr = 0;
  bool lf_valid = false, cr_valid = false;
  while (pos < n) {
    if (!lf_valid || next_lf < pos) {
      const void* p = std::memchr(base + pos, '\n', n - pos);
      next_lf = p ? static_cast<size_t>(static_cast<const char*>(p) - base) : n;
      lf_valid = true;
    }
    if (!cr_valid || next_cr < pos) {
      const void* p = std::memchr(base + pos, '\r', n - pos);
      next_cr = p ? static_cast<size_t>(static_cast<const char*>(p) - base) : n;
      cr_valid = true;
    }
    const size_t eol = next_lf < next_cr ? next_lf : next_cr;
    if (eol == n) {  // no line end in the rest of the chunk: carry the fragment over
      if (!skipping_) {
        if (line_.size() + (n - pos) > max_line_) {
          skipping_ = true;
          line_.clear();
        } else {
          line_.append(base + pos, n - pos);
        }
      }
      break;
    }
    size_t next = eol + 1;
    if (base[eol] == '\r') {
      if (next < n) {
        if (base[next] == '\n') ++next;
      } else {
        pending_cr_ = true;
      }
    }
    if (skipping_) {
      skipping_ = false;  // the over-long line ends here and is ignored
    } else if (line_.empty()) {
      on_line(std::string_view(base + pos, eol - pos), true, on_event, at + next);
    } else if (line_.size() + (eol - pos) > max_line_) {
      line_.clear();
    } else {
      line_.append(base + pos, eol - pos);
      on_line(std::string_view(line_), false, on_event, at + next);
      line_.clear();
    }
    pos = next;
  }
  settle_views();
}

template <class F>
void sse_framer::on_line(std::string_view line, bool in_input, F& on_event, uint64_t line_end) {
  if (line.empty()) {
    if (data_lines_ > 0 && !dropping_) {
      std::string_view data = data_in_view_ ? data_view_ : std::string_view(data_);
      const sse_event ev{std::string_view(event_), data, event_begin_, line_end};
      on_event(ev);
    }
    dispatched();
    event_begin_ = line_end;
    return;
  }
  if (line[0] == ':') return;  // comment (keep-alive)
  std::string_view field = line, value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    append_data(value, in_input);
  } else if (field == "event") {
    event_.assign(value.data(), value.size());
    has_event_ = true;
  }
  // id:, retry: and unknown fields carry nothing we measure.
}

}  // namespace llmtap::openai
