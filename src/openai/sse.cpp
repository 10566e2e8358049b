#include "openai/sse.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmtap::openai {

namespace {
// Buffers grown by one unusually large event are released rather than kept for the life of a
// long stream: 1000 open streams must stay well under the RSS budget.
constexpr size_t kKeepCapacity = 64 * 1024;

void trim_capacity(std::string& s) {
  if (s.capacity() > kKeepCapacity) std::string().swap(s);
}
}  // namespace

void sse_framer::append_data(std::string_view value, bool in_input) {
  if (dropping_) return;
  if (data_lines_ == 0) {
    if (in_input) {
      data_view_ = value;  // the common case: one data line inside this chunk, no copy
      data_in_view_ = true;
    } else {
      data_.assign(value.data(), value.size());
    }
  } else {
    if (data_in_view_) {
      data_.assign(data_view_.data(), data_view_.size());
      data_in_view_ = false;
    }
    if (data_.size() + 1 + value.size() > max_line_) {
      // An event too large to keep is dropped whole rather than dispatched truncated.
      dropping_ = true;
      data_.clear();
      return;
    }
    data_.push_back('\n');
    data_.append(value.data(), value.size());
  }
  ++data_lines_;
}

void sse_framer::dispatched() {
  data_.clear();
  event_.clear();
  data_view_ = {};
  data_lines_ = 0;
  data_in_view_ = false;
  has_event_ = false;
  dropping_ = false;
  trim_capacity(data_);
}

void sse_framer::settle_views() {
  if (data_in_view_) {
    data_.assign(data_view_.data(), data_view_.size());
    data_view_ = {};
    data_in_view_ = false;
  }
  if (line_.empty()) trim_capacity(line_);
}

void sse_framer::reset() {
  dispatched();
  line_.clear();
  trim_capacity(line_);
  trim_capacity(event_);
  pending_cr_ = false;
  skipping_ = false;
  offset_ = event_begin_ = 0;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Event names (Responses API and audio streams) that carry generated output.
bool is_content_event(std::string_view t) {
  if (!t.ends_with(".delta")) return false;
  return t == "response.output_text.delta" || t == "response.refusal.delta" ||
         t == "response.function_call_arguments.delta" || t == "response.audio.delta" ||
         t == "response.audio.transcript.delta" || t == "response.output_audio.delta" ||
         t == "response.output_audio_transcript.delta" || t.starts_with("response.reasoning") ||
         t == "transcript.text.delta" || t == "speech.audio.delta";
}

// A "type" value at `p` (just past the key's closing quote), without unescaping: event type
// names need none. Empty when the key is not followed by ':' and a string.
std::string_view type_value_at(std::string_view data, size_t p) {
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != ':') return {};
  ++p;
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != '"') return {};
  ++p;
  size_t end = data.find('"', p);
  if (end == std::string_view::npos) return {};
  return data.substr(p, end - p);
}

// `p` is just past a key (its closing quote): true when a ':' and a non-empty string, array or
// object follow; "", null, [] and {} are not content, nor is a value that merely equals a key.
bool nonempty_value_at(std::string_view data, size_t p) {
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != ':') return false;
  ++p;
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size()) return false;
  const char open = data[p];
  char close = 0;
  if (open == '"')
    close = '"';
  else if (open == '[')
    close = ']';
  else if (open == '{')
    close = '}';
  else
    return false;  // null, numbers, booleans
  ++p;
  while (open != '"' && p < data.size() && is_space(data[p])) ++p;
  return p < data.size() && data[p] != close;
}

// Keys whose non-empty value is generated text in a chat/completions or completions chunk.
constexpr std::string_view kContentKeys[] = {
    "content", "text", "tool_calls", "refusal", "reasoning_content", "reasoning", "function_call"};

// The test for events without an event name, in one pass from quote to quote (the first version
// searched the whole payload once per key: the role-only first chunk, which has none of them
// filled, was read eight times). Decides as that version did:
//   1. the first "type" key names a Responses/audio event when its value is dotted: that decides;
//   2. otherwise, any occurrence of a content key with a non-empty value means content.
bool data_has_content(std::string_view data) {
  bool content = false, type_seen = false;
  // Only a quote followed by c, t, r or f can start "type" or a content key; the others are
  // skipped 16 at a time.
  auto at_quote = [&](size_t i) -> int {  // 1: content, 0: no content, -1: go on
    const std::string_view rest = data.substr(i + 1);
    if (!type_seen && rest.starts_with("type\"")) {
      type_seen = true;
      std::string_view t = type_value_at(data, i + 6);
      if (t.find('.') != std::string_view::npos) return is_content_event(t) ? 1 : 0;
      return content ? 1 : -1;
    }
    if (content) return -1;  // only the first "type" can still change the answer
    for (std::string_view key : kContentKeys) {
      if (rest.size() > key.size() && rest[key.size()] == '"' && rest.starts_with(key)) {
        content = nonempty_value_at(data, i + 2 + key.size());
        if (content && type_seen) return 1;
        break;  // at most one key ends with a quote here
      }
    }
    return -1;
  };
  const size_t n = data.size();
  const char* p = data.data();
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), c = _mm_set1_epi8('c'), t = _mm_set1_epi8('t'),
                r = _mm_set1_epi8('r'), f = _mm_set1_epi8('f');
  for (; i + 17 <= n; i += 16) {
    const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    const __m128i lead =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(next, c), _mm_cmpeq_epi8(next, t)),
                     _mm_or_si128(_mm_cmpeq_epi8(next, r), _mm_cmpeq_epi8(next, f)));
    unsigned mask =
        static_cast<unsigned>(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(q, quote), lead)));
    for (; mask != 0; mask &= mask - 1) {
      const int verdict = at_quote(i + static_cast<size_t>(__builtin_ctz(mask)));
      if (verdict >= 0) return verdict == 1;
    }
  }
#endif
  for (; i + 1 < n; ++i) {
    if (p[i] != '"') continue;
    const char next = p[i + 1];
    if (next != 'c' && next != 't' && next != 'r' && next != 'f') continue;
    const int verdict = at_quote(i);
    if (verdict >= 0) return verdict == 1;
  }
  return content;
}

}  // namespace

bool event_has_content(std::string_view event_name, std::string_view data) {
  if (!event_name.empty() && event_name != "message") return is_content_event(event_name);
  // Dotted "type" values name Responses/audio events; chat chunks only nest undotted ones
  // ("function") inside tool_calls. chat.completion.chunk / text_completion: generated text sits
  // in choices[].delta or choices[].text; the usage chunk and the role-only first chunk carry
  // none of these keys filled.
  return data_has_content(data);
}

}  // namespace llmtap::openai
