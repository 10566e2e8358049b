#include "pipeline/sampling.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "pipeline/sample_text.h"

#include <stdexcept>
#include <string_view>

namespace llmtap::pipeline {
namespace sample_text {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf   ? 2
             : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;  // overlong
  if (c == 0xed && b(i + 1) > 0x9f) return 0;  // surrogates
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;  // overlong
  if (c == 0xf4 && b(i + 1) > 0x8f) return 0;  // above U+10FFFF
  return n;
}

bool utf8_valid(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

// Invalid bytes become U+FFFD, so the JSON parser and the exporters only ever see valid UTF-8.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t run = 0;  // start of the valid bytes not yet copied
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_len(s, i);
    if (n == 0) {
      out.append(s.substr(run, i - run)).append("\xEF\xBF\xBD");
      run = ++i;
    } else {
      i += n;
    }
  }
  out.append(s.substr(run));
  return out;
}

}  // namespace sample_text

using namespace sample_text;

namespace {

bool luhn_ok(std::string_view digits_and_separators) {
  int sum = 0, count = 0;
  bool dbl = false;
  for (size_t i = digits_and_separators.size(); i-- > 0;) {
    char c = digits_and_separators[i];
    if (c < '0' || c > '9') continue;
    int d = c - '0';
    if (dbl && (d *= 2) > 9) d -= 9;
    sum += d;
    dbl = !dbl;
    ++count;
  }
  return count >= 13 && count <= 19 && sum % 10 == 0;
}

}  // namespace

bool sampled_at_rate(uint64_t trace_id_lo, double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  constexpr uint64_t kKnuthFactor = 1111111111111111111ull;
  const double bound = rate * 18446744073709551616.0;  // 2^64
  return static_cast<double>(trace_id_lo * kKnuthFactor) <= bound;
}

// What a built-in pattern cannot match without: checked first, in one cheap pass, so the regex
// runs only on strings that could hold a match (most prompt strings hold none).
enum class needs { nothing, bearer, key_dash, akia, at_sign, digits13 };

// The two tests that cannot use memchr look at 16 bytes at a time (SSE2 is part of x86-64;
// elsewhere, plain loops): prompt strings are mostly long prose, and a byte-at-a-time search
// for "r" once cost more than everything else sampling does.
bool bearer_at(const unsigned char* p) {
  auto is = [](unsigned char c, char lower) { return (c | 0x20) == lower; };
  return is(p[0], 'b') && is(p[1], 'e') && is(p[2], 'a') && is(p[3], 'r') && is(p[4], 'e') &&
         is(p[5], 'r');
}

bool has_bearer(std::string_view t) {  // "bearer" in any case
  if (t.size() < 6) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  const size_t starts = t.size() - 5;  // where "bearer" could begin
  size_t i = 0;
#if defined(__SSE2__)
  // Candidates first: a "b" with an "r" five bytes on, rare in prose.
  const __m128i lower = _mm_set1_epi8(0x20), b = _mm_set1_epi8('b'), r = _mm_set1_epi8('r');
  for (; i + 16 <= starts; i += 16) {
    const __m128i first = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    const __m128i last = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 5));
    auto mask = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(first, lower), b),
                                        _mm_cmpeq_epi8(_mm_or_si128(last, lower), r))));
    for (; mask != 0; mask &= mask - 1)
      if (bearer_at(p + i + static_cast<size_t>(__builtin_ctz(mask)))) return true;
  }
#endif
  for (; i < starts; ++i)
    if (bearer_at(p + i)) return true;
  return false;
}

bool has_13_digits(std::string_view t) {
  const auto* p = reinterpret_cast<const unsigned char*>(t.data());
  size_t digits = 0, i = 0;
#if defined(__SSE2__)
  // Per-lane counts of digits (a match is -1), summed every 128 bytes: no lane can overflow.
  const __m128i zero = _mm_set1_epi8('0'), nine = _mm_set1_epi8(9);
  while (i + 16 <= t.size()) {
    __m128i counts = _mm_setzero_si128();
    for (int block = 0; block < 8 && i + 16 <= t.size(); ++block, i += 16) {
      const __m128i d =
          _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)), zero);
      counts = _mm_sub_epi8(counts, _mm_cmpeq_epi8(_mm_min_epu8(d, nine), d));  // c - '0' <= 9
    }
    const __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
    digits += static_cast<size_t>(_mm_cvtsi128_si32(sums) + _mm_extract_epi16(sums, 4));
    if (digits >= 13) return true;
  }
#endif
  for (; i < t.size(); ++i)
    if (static_cast<unsigned char>(p[i] - '0') < 10 && ++digits >= 13) return true;
  return false;
}

bool may_match(needs n, std::string_view t) {
  switch (n) {
    case needs::nothing:
      return true;
    case needs::at_sign:
      return t.find('@') != std::string_view::npos;
    case needs::key_dash:  // "k-": found from the rarer '-'
      for (size_t i = t.find('-'); i != std::string_view::npos; i = t.find('-', i + 1))
        if (i > 0 && t[i - 1] == 'k') return true;
      return false;
    case needs::akia:
      return t.find("AKIA") != std::string_view::npos;
    case needs::bearer:
      return has_bearer(t);
    case needs::digits13:
      return has_13_digits(t);
  }
  return true;
}

struct redactor::compiled {
  pcre2_code* code = nullptr;
  pcre2_match_data* match = nullptr;
  std::string replacement;
  bool luhn = false;  // card numbers: only digit runs that pass the Luhn check
  needs prefilter = needs::nothing;
  ~compiled() {
    pcre2_match_data_free(match);
    pcre2_code_free(code);
  }
};

redactor::redactor(bool builtin, const std::vector<std::string>& patterns) {
  auto add = [this](const std::string& pattern, std::string replacement, bool luhn,
                    needs prefilter) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw std::invalid_argument("redaction pattern \"" + pattern + "\" at offset " +
                                  std::to_string(offset) + ": " +
                                  reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(code,
                      PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
    auto c = std::make_unique<compiled>();
    c->code = code;
    c->match = pcre2_match_data_create_from_pattern(code, nullptr);
    c->replacement = std::move(replacement);
    c->luhn = luhn;
    c->prefilter = prefilter;
    rules_.push_back(std::move(c));
  };
  if (builtin) {
    add(R"((?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*)", "Bearer [REDACTED_TOKEN]", false,
        needs::bearer);
    add(R"(\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,})", "[REDACTED_API_KEY]", false, needs::key_dash);
    add(R"(\bAKIA[0-9A-Z]{16}\b)", "[REDACTED_API_KEY]", false, needs::akia);
    add(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", "[REDACTED_EMAIL]",
        false, needs::at_sign);
    add(R"((?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]))", "[REDACTED_CARD]", true, needs::digits13);
  }
  for (const auto& p : patterns) add(p, "[REDACTED]", false, needs::nothing);
}

redactor::~redactor() = default;
redactor::redactor(redactor&&) noexcept = default;

bool redactor::may_change(std::string_view text) const {
  for (const auto& rule : rules_)
    if (may_match(rule->prefilter, text)) return true;
  return false;
}

size_t redactor::apply(std::string& text) const {
  size_t total = 0;
  for (const auto& rule : rules_) {
    if (!may_match(rule->prefilter, text)) continue;
    std::string out;
    size_t start = 0, copied = 0, n = 0;
    while (start <= text.size()) {
      int rc = pcre2_match(rule->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                           start, 0, rule->match, nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(rule->match);
      size_t b = ov[0], e = ov[1];
      if (e == b) {  // an empty match (a user's pattern): step past it
        start = e + 1;
        continue;
      }
      if (!rule->luhn || luhn_ok(std::string_view(text).substr(b, e - b))) {
        out.append(text, copied, b - copied).append(rule->replacement);
        copied = e;
        ++n;
      }
      start = e;
    }
    if (n > 0) {
      out.append(text, copied, std::string::npos);
      text = std::move(out);
      total += n;
    }
  }
  return total;
}

void truncate_utf8(std::string& s, size_t max_bytes) {
  if (!utf8_valid(s)) s = sanitize_utf8(s);
  if (s.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80)
    --cut;  // not inside a sequence
  s.resize(cut);
  s += "...";
}

sampler::sampler(const sampling_options& o)
    : o_(o), redactor_(o.redact, o.patterns), ws_(std::make_unique<workspace>()) {}
sampler::~sampler() = default;
sampler::sampler(sampler&&) noexcept = default;

void sampler::apply(exchange& x) const {
  x.sampled = x.trace.sampling_priority > 0 && sampled_at_rate(x.trace.trace_id_lo, o_.rate);
  if (!x.sampled) return;
  ++sampled_;
  const redactor* r = o_.redact || !o_.patterns.empty() ? &redactor_ : nullptr;
  // Each side is written into the workspace's buffer, and copied out only when there is one: a
  // call without that side keeps the field as it was.
  sample_json::writer& w = ws_->w;
  w.start(r, o_.max_chars);
  if (write_input(x, *ws_)) x.sample_input.assign(w.out());
  w.start(r, o_.max_chars);
  if (write_output(x, *ws_)) x.sample_output.assign(w.out());
  // The parser keeps buffers of ~15 bytes per byte of its largest body: those of a rare large
  // body are let go rather than held by the pipeline thread for good.
  constexpr size_t kKeepBytes = 256 * 1024;
  if (ws_->parser.capacity() > kKeepBytes) ws_->parser = simdjson::dom::parser();
  if (w.out().capacity() > kKeepBytes) std::string().swap(w.out());
  if (ws_->mended.capacity() > kKeepBytes) std::string().swap(ws_->mended);
}

}  // namespace llmtap::pipeline
