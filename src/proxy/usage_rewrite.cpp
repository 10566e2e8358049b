#include "proxy/usage_rewrite.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "openai/json_peek.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmtap::proxy {

namespace {

// Byte classes for the scanner: one table lookup per byte instead of a chain of comparisons
// (pretty-printed bodies are mostly indentation; the chain cost ~8 instructions a byte).
enum : uint8_t { kPlain = 0, kBlank = 1, kOpen = 2, kClose = 4, kQuote = 8 };
constexpr std::array<uint8_t, 256> kClass = [] {
  std::array<uint8_t, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r'}) t[c] = kBlank;
  for (unsigned char c : {'{', '['}) t[c] = kOpen;
  for (unsigned char c : {'}', ']'}) t[c] = kClose;
  t[static_cast<unsigned char>('"')] = kQuote;
  return t;
}();
inline uint8_t class_of(char c) {
  return kClass[static_cast<unsigned char>(c)];
}

// A forward-only reader of JSON text: just enough to find top-level members and skip values.
struct json_cursor {
  std::string_view s;
  size_t i = 0;

  void ws() {
    while (i < s.size() && class_of(s[i]) == kBlank) ++i;
  }
  bool eat(char c) {
    ws();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  // A string at i; returns its raw contents (escapes left as they are) or false. Prompts make
  // most of a request body string contents, so the closing quote is found with memchr: a quote
  // ends the string when an even number of backslashes precedes it.
  bool string(std::string_view& out) {
    ws();
    if (i >= s.size() || s[i] != '"') return false;
    const size_t start = ++i;
    for (;;) {
      const void* p = std::memchr(s.data() + i, '"', s.size() - i);
      if (p == nullptr) {
        i = s.size();
        return false;
      }
      i = static_cast<size_t>(static_cast<const char*>(p) - s.data());
      size_t backslashes = 0;
      while (i - backslashes > start && s[i - backslashes - 1] == '\\') ++backslashes;
      if (backslashes % 2 == 0) break;
      ++i;  // an escaped quote
    }
    out = s.substr(start, i - start);
    ++i;
    return true;
  }
  // Skips any value; nesting is tracked by counting brackets outside strings.
  bool skip_value() {
    ws();
    if (i >= s.size()) return false;
    if (s[i] == '"') {
      std::string_view ignored;
      return string(ignored);
    }
    if (class_of(s[i]) == kOpen) {
      int depth = 0;
      for (i = next_structural(i); i < s.size(); i = next_structural(i)) {
        const uint8_t k = class_of(s[i]);
        if (k == kQuote) {
          std::string_view ignored;
          if (!string(ignored)) return false;
          continue;
        }
        if (k == kOpen) ++depth;
        if (k == kClose && --depth == 0) {
          ++i;
          return true;
        }
        ++i;
      }
      return false;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && s[i] != ' ' &&
           s[i] != '\n' && s[i] != '\r' && s[i] != '\t')
      ++i;
    return true;
  }
  // The first byte at or after `from` that is a quote or a bracket (s.size() when none): inside a
  // nested value nothing else matters. 16 bytes at a time (SSE2, part of x86-64): pretty-printed
  // bodies are mostly indentation, and a byte-at-a-time loop cost ~6 instructions a byte.
  size_t next_structural(size_t from) const {
    const size_t n = s.size();
    const char* p = s.data();
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), lbrace = _mm_set1_epi8('{'),
                  rbrace = _mm_set1_epi8('}'), lbracket = _mm_set1_epi8('['),
                  rbracket = _mm_set1_epi8(']');
    for (; from + 16 <= n; from += 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + from));
      const __m128i hit = _mm_or_si128(
          _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, lbrace)),
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, rbrace), _mm_cmpeq_epi8(v, lbracket)),
                       _mm_cmpeq_epi8(v, rbracket)));
      const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(hit));
      if (mask != 0) return from + static_cast<size_t>(__builtin_ctz(mask));
    }
#endif
    while (from < n && (class_of(p[from]) & (kOpen | kClose | kQuote)) == 0) ++from;
    return from;
  }
  bool literal(std::string_view word) {
    ws();
    if (s.substr(i, word.size()) != word) return false;
    i += word.size();
    return true;
  }
};

// Whether `body` contains "stream" (with its quotes). It runs on every chat request, so it tests
// 16 positions at a time: a position is a candidate when its byte is '"', the next is 's' and the
// one 7 further is '"' (SSE2, part of x86-64); only candidates are compared in full.
// string_view::find stopped at every quote of the body, glibc's memmem and a Boyer-Moore-Horspool
// search cost as much again in mispredicted branches (~0.5 us a request under load, perf).
bool contains_stream_key(std::string_view body) {
  constexpr std::string_view kKey = "\"stream\"";
  const size_t n = body.size();
  if (n < kKey.size()) return false;
  const char* p = body.data();
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8('"'), second = _mm_set1_epi8('s');
  for (; i + kKey.size() - 1 + 16 <= n; i += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i z = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + kKey.size() - 1));
    unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(
        _mm_and_si128(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, second)),
                      _mm_cmpeq_epi8(z, first))));
    for (; mask != 0; mask &= mask - 1)
      if (std::memcmp(p + i + static_cast<size_t>(__builtin_ctz(mask)), kKey.data(), kKey.size()) ==
          0)
        return true;
  }
#endif
  for (; i + kKey.size() <= n; ++i)
    if (p[i] == '"' && std::memcmp(p + i, kKey.data(), kKey.size()) == 0) return true;
  return false;
}

struct stream_options_info {
  bool present = false;
  bool is_null = false;
  size_t value_begin = 0, value_end = 0;  // the stream_options value
  size_t open_brace = 0;                  // its '{'
  bool include_usage_true = false;
  size_t include_usage_value_begin = 0, include_usage_value_end = 0;  // when present, not true
  bool include_usage_present = false;
  bool empty_object = false;
};

bool read_stream_options(json_cursor& c, stream_options_info& so) {
  c.ws();
  so.present = true;
  so.value_begin = c.i;
  if (c.literal("null")) {
    so.is_null = true;
    so.value_end = c.i;
    return true;
  }
  if (!c.eat('{')) return false;
  so.open_brace = c.i - 1;
  if (c.eat('}')) {
    so.empty_object = true;
    so.value_end = c.i;
    return true;
  }
  do {
    std::string_view key;
    if (!c.string(key) || !c.eat(':')) return false;
    if (key == "include_usage") {
      so.include_usage_present = true;
      c.ws();
      so.include_usage_value_begin = c.i;
      if (c.literal("true"))
        so.include_usage_true = true;
      else if (!c.skip_value())
        return false;
      so.include_usage_value_end = c.i;
    } else if (!c.skip_value()) {
      return false;
    }
  } while (c.eat(','));
  if (!c.eat('}')) return false;
  so.value_end = c.i;
  return true;
}

// Writes `body` with the stream_options member added before the top-level object's closing
// brace, at `close`.
void insert_before_close(std::string_view body, size_t close, std::string& out) {
  const std::string_view before = body.substr(0, close);
  const size_t last = before.find_last_not_of(" \t\r\n");
  const bool empty = last == std::string_view::npos || before[last] == '{';
  out.clear();
  out.reserve(body.size() + 40);
  out.append(before)
      .append(empty ? "" : ",")
      .append("\"stream_options\":{\"include_usage\":true}")
      .append(body.substr(close));
}

}  // namespace

bool add_stream_options(std::string_view body, std::string& out) {
  const size_t close = body.find_last_not_of(" \t\r\n");
  if (close == std::string_view::npos || body[close] != '}') return false;
  insert_before_close(body, close, out);
  return true;
}

bool add_include_usage(std::string_view body, std::string& out) {
  // Most requests are not streamed, and SDKs leave "stream" out unless it is set. Keys are
  // compared raw below, so a body without these bytes cannot have the flag: skip the scan.
  if (!contains_stream_key(body)) return false;
  json_cursor c{body};
  if (!c.eat('{')) return false;
  bool stream = false;
  stream_options_info so;
  if (!c.eat('}')) {
    do {
      std::string_view key;
      if (!c.string(key) || !c.eat(':')) return false;
      if (key == "stream") {
        c.ws();
        if (c.literal("true"))
          stream = true;
        else if (!c.skip_value())
          return false;
      } else if (key == "stream_options") {
        if (!read_stream_options(c, so)) return false;
      } else if (!c.skip_value()) {
        return false;
      }
    } while (c.eat(','));
    if (!c.eat('}')) return false;
  }
  size_t close = c.i - 1;
  if (!stream || so.include_usage_true) return false;

  if (!so.present) {
    insert_before_close(body, close, out);
    return true;
  }
  out.clear();
  out.reserve(body.size() + 40);
  if (so.is_null) {
    out.append(body.substr(0, so.value_begin)).append("{\"include_usage\":true}");
    out.append(body.substr(so.value_end));
  } else if (so.include_usage_present) {
    out.append(body.substr(0, so.include_usage_value_begin)).append("true");
    out.append(body.substr(so.include_usage_value_end));
  } else {
    out.append(body.substr(0, so.open_brace + 1)).append("\"include_usage\":true");
    if (!so.empty_object) out.append(",");
    out.append(body.substr(so.open_brace + 1));
  }
  return true;
}

namespace {
// Whether `ev` holds "[]" (blanks allowed inside): the usage event's "choices" is one, and a
// content chunk seldom has one. memchr finds each ']', one or two in a chunk.
bool has_empty_array(std::string_view ev) {
  const char* const begin = ev.data();
  const char* const end = begin + ev.size();
  for (const char* p = begin; (p = static_cast<const char*>(std::memchr(p, ']', end - p)));) {
    const char* q = p++;
    while (q > begin && openai::is_json_blank(q[-1])) --q;
    if (q > begin && q[-1] == '[') return true;
  }
  return false;
}

// The event llmtap's include_usage adds: "choices" is an empty array and "usage" an object.
// Every filtered event comes here: an event without an empty array is passed after one memchr
// pass; the others are read for the two keys (four memmem scans of each event, one per spelling,
// were ~20,000 instructions a call, ~5% of the worker).
bool is_usage_event(std::string_view ev) {
  if (!has_empty_array(ev)) return false;  // what nearly every event is told by
  static const openai::json_key choices("\"choices\""), usage("\"usage\"");
  size_t c = choices.value_in(ev);
  if (c == std::string_view::npos || ev[c] != '[') return false;
  for (++c; c < ev.size() && openai::is_json_blank(ev[c]);) ++c;
  if (c == ev.size() || ev[c] != ']') return false;
  const size_t u = usage.value_in(ev);
  return u != std::string_view::npos && ev[u] == '{';
}
}  // namespace

void usage_event_filter::observe(const openai::sse_event& ev) {
  if (drop_end_ == 0 && is_usage_event(ev.data)) {
    drop_begin_ = ev.begin;
    drop_end_ = ev.end;
  }
}

// Appends the stream bytes [a, b) (held ones first, then `decoded`, which starts at `start`).
void usage_event_filter::put(uint64_t a, uint64_t b, std::string_view decoded, uint64_t start,
                             std::string& out) {
  if (a >= b) return;
  if (a < start) {
    const uint64_t e = std::min(b, start);
    out.append(held_, static_cast<size_t>(a - emitted_), static_cast<size_t>(e - a));
    a = e;
  }
  if (a < b) out.append(decoded.substr(static_cast<size_t>(a - start), static_cast<size_t>(b - a)));
}

void usage_event_filter::feed(std::string_view decoded, uint64_t hold_from, std::string& out) {
  uint64_t start = fed_;  // held_ is [emitted_, start)
  fed_ += decoded.size();
  if (skip_lf_ && !decoded.empty()) {
    // The usage event's blank line ended with a CR at the end of the last chunk: its LF is here.
    skip_lf_ = false;
    if (decoded[0] == '\n' && emitted_ == start) {
      decoded.remove_prefix(1);
      ++start;
      ++emitted_;
    }
  }
  // Once the usage event is out, nothing needs holding: only [DONE] follows.
  const bool left_out = drop_end_ > 0 && emitted_ >= drop_end_;
  const uint64_t upto = left_out ? fed_ : std::min(hold_from, fed_);
  if (upto <= emitted_) {
    held_.append(decoded);
    return;
  }
  if (drop_end_ > 0 && !left_out) {
    // Found by observe() while the framer took this chunk, so it ended in it: drop_end_ <= upto.
    put(emitted_, drop_begin_, decoded, start, out);
    put(drop_end_, upto, decoded, start, out);
    // A blank line whose CR ends the chunk: the framer counts its LF, the next chunk's first
    // byte, with the next event; it goes with the usage event.
    skip_lf_ = drop_end_ == fed_ && !decoded.empty() && decoded.back() == '\r';
  } else {
    put(emitted_, upto, decoded, start, out);
  }
  if (upto >= start) {
    held_.assign(decoded.substr(static_cast<size_t>(upto - start)));
  } else {
    held_.erase(0, static_cast<size_t>(upto - emitted_));
    held_.append(decoded);
  }
  emitted_ = upto;
}

void usage_event_filter::finish(std::string& out) {
  out.append(held_);
  held_.clear();
  emitted_ = fed_;
}

void usage_event_filter::reset() {
  held_.clear();
  emitted_ = fed_ = drop_begin_ = drop_end_ = 0;
  skip_lf_ = false;
}

}  // namespace llmtap::proxy
