#include "pipeline/sample_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// nlohmann's dtoa alone (a small header of the library, no tree): its Grisu2 digits are not
// always the shortest (1e23 prints as 9.999999999999999e+22), and samples must not change.
#include <nlohmann/detail/conversions/to_chars.hpp>
#include <nlohmann/detail/macro_unscope.hpp>

#include "pipeline/sample_text.h"

namespace llmtap::pipeline::sample_json {
namespace {

namespace dom = simdjson::dom;

// nlohmann reads an integer that does not fit 64 bits as a double; simdjson refuses it. Such
// integers get ".0", so that simdjson reads them as that same double (both round correctly).
// Only called after a number error; false when nothing was widened.
bool widen_big_integers(std::string_view in, std::string& out) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  out.clear();
  size_t copied = 0, i = 0;
  while (i < in.size()) {
    char c = in[i];
    if (c == '"') {  // skip the string, escapes included
      for (++i; i < in.size() && in[i] != '"'; ++i)
        if (in[i] == '\\') ++i;
      ++i;
      continue;
    }
    if (c != '-' && !digit(c)) {
      ++i;
      continue;
    }
    const bool negative = c == '-';
    const size_t first = negative ? ++i : i;
    while (i < in.size() && digit(in[i])) ++i;
    if (i < in.size() && (in[i] == '.' || in[i] == 'e' || in[i] == 'E')) {  // a double already
      while (i < in.size() &&
             (digit(in[i]) || std::string_view(".eE+-").find(in[i]) != std::string_view::npos))
        ++i;
      continue;
    }
    std::string_view digits = in.substr(first, i - first);
    std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit)) {
      out.append(in.substr(copied, i - copied)).append(".0");
      copied = i;
    }
  }
  if (copied == 0) return false;
  out.append(in.substr(copied));
  return true;
}

// The first byte at or after `i` that JSON escapes ('"', '\\', a control character), else
// s.size(). Most text holds few: 16 bytes are tested at a time (SSE2 is part of x86-64).
size_t next_escape(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
  const __m128i last_control = _mm_set1_epi8(0x1f);
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, last_control), v);  // v <= 0x1f
    const __m128i hit =
        _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    if (const int mask = _mm_movemask_epi8(hit); mask != 0)
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < s.size(); ++i)
    if (p[i] < 0x20 || p[i] == '"' || p[i] == '\\') return i;
  return s.size();
}

template <class Int>
void append_integer(std::string& out, Int n) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, r.ptr);
}

}  // namespace

bool parse(dom::parser& p, std::string_view bytes, std::string& mended, bool skip_bom,
           dom::element& root) {
  if (skip_bom && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  // The parser validates UTF-8 itself: most bodies are valid and are parsed without a copy of
  // ours; only the others are mended and parsed again.
  auto err = p.parse(bytes.data(), bytes.size()).get(root);
  if (err == simdjson::UTF8_ERROR) {
    mended = sample_text::sanitize_utf8(bytes);
    bytes = mended;
    err = p.parse(bytes.data(), bytes.size()).get(root);
  }
  if (err == simdjson::NUMBER_ERROR) {
    std::string widened;
    if (!widen_big_integers(bytes, widened)) return false;
    err = p.parse(widened.data(), widened.size()).get(root);
  }
  return err == simdjson::SUCCESS;
}

bool last_field(dom::object o, std::string_view key, dom::element& value) {
  bool found = false;
  for (dom::key_value_pair kv : o)
    if (kv.key == key) {
      value = kv.value;
      found = true;
    }
  return found;
}

void append_escaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t run = 0;;) {  // run: start of the bytes not yet copied
    const size_t i = next_escape(s, run);
    out.append(s.data() + run, i - run);
    if (i == s.size()) return;
    run = i + 1;
    const auto c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default: {
        const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(u, sizeof u);
      }
    }
  }
}

void append_double(std::string& out, double v) {
  if (!std::isfinite(v)) {  // the parser never gives one; nlohmann writes null
    out.append("null");
    return;
  }
  char buf[64];
  out.append(buf, nlohmann::detail::to_chars(buf, buf + sizeof buf, v));
}

void writer::start(const redactor* r, size_t max_chars) {
  redactor_ = r;
  max_chars_ = max_chars;
  out_.clear();
  fields_.clear();
}

void writer::value(dom::element v) {
  switch (v.type()) {
    case dom::element_type::ARRAY: {
      out_.push_back('[');
      bool first = true;
      const dom::array items = v.get_array().value_unsafe();  // not the temporary: it would dangle
      for (dom::element item : items) {
        if (!first) out_.push_back(',');
        first = false;
        value(item);
      }
      out_.push_back(']');
      return;
    }
    case dom::element_type::OBJECT:
      object(v.get_object().value_unsafe());
      return;
    case dom::element_type::INT64:
      append_integer(out_, v.get_int64().value_unsafe());
      return;
    case dom::element_type::UINT64:
      append_integer(out_, v.get_uint64().value_unsafe());
      return;
    case dom::element_type::DOUBLE:
      append_double(out_, v.get_double().value_unsafe());
      return;
    case dom::element_type::STRING:
      text(v.get_string().value_unsafe());
      return;
    case dom::element_type::BOOL:
      out_.append(v.get_bool().value_unsafe() ? "true" : "false");
      return;
    case dom::element_type::NULL_VALUE:
      out_.append("null");
      return;
  }
}

void writer::object(dom::object o) {
  // nlohmann keeps objects in a std::map: keys in byte order, the last duplicate wins.
  const size_t base = fields_.size();
  uint32_t order = 0;
  for (dom::key_value_pair kv : o) fields_.push_back({kv.key, kv.value, order++});
  std::sort(fields_.begin() + static_cast<std::ptrdiff_t>(base), fields_.end(),
            [](const field& a, const field& b) {
              int c = a.key.compare(b.key);
              return c < 0 || (c == 0 && a.order < b.order);
            });
  const size_t end = fields_.size();
  out_.push_back('{');
  bool first = true;
  for (size_t i = base; i < end; ++i) {
    if (i + 1 < end && fields_[i + 1].key == fields_[i].key) continue;  // a later one wins
    const field f = fields_[i];  // a copy: the value's own objects push onto fields_
    if (!first) out_.push_back(',');
    first = false;
    key(f.key);
    value(f.value);
  }
  out_.push_back('}');
  fields_.resize(base);
}

void writer::text(std::string_view s) {
  if (redactor_ != nullptr && redactor_->may_change(s)) {
    scratch_.assign(s.data(), s.size());
    redactor_->apply(scratch_);
    truncate_utf8(scratch_, max_chars_);
    s = scratch_;
  } else if (s.size() > max_chars_) {
    // What truncate_utf8 does, on the string in place: it is valid UTF-8 (parsed by simdjson, or
    // the sampler's own), so it needs no mending.
    size_t cut = max_chars_;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;
    out_.push_back('"');
    append_escaped(out_, s.substr(0, cut));
    out_.append("...\"");
    return;
  }
  out_.push_back('"');
  append_escaped(out_, s);
  out_.push_back('"');
}

void writer::key(std::string_view k) {
  out_.push_back('"');
  append_escaped(out_, k);
  out_.append("\":");
}

void writer::number(uint64_t n) {
  append_integer(out_, n);
}

}  // namespace llmtap::pipeline::sample_json
