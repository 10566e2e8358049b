#include "tokenizer/pretokenize.h"

#include "tokenizer/unicode_class.h"

namespace llmtap::tokenizer {
namespace {

// A cursor over the text with one-code-point lookahead.
struct scanner {
  const unsigned char* s;
  size_t n;

  cp_info at(size_t i) const { return read_cp(s + i, n - i); }

  template <class Pred>
  size_t run(size_t i, Pred pred) const {
    while (i < n) {
      const cp_info c = at(i);
      if (!pred(c.cls)) break;
      i += c.len;
    }
    return i;
  }

  // [\r\n]* (and '/' for o200k)
  size_t run_newlines(size_t i, bool slash) const {
    while (i < n && (s[i] == '\r' || s[i] == '\n' || (slash && s[i] == '/'))) ++i;
    return i;
  }

  // After an apostrophe at i-1: end of 's|'t|'re|'ve|'m|'ll|'d, or 0 if none. With
  // `fold`, letters match case-insensitively by Unicode simple case folding, which is what
  // the regex crate does for (?i:...): that includes U+017F LATIN SMALL LETTER LONG S for s.
  size_t contraction(size_t i, bool fold) const {
    if (i >= n) return 0;
    auto eq = [&](size_t k, char lower) {
      if (k >= n) return false;
      const char c = static_cast<char>(s[k]);
      return c == lower || (fold && c == lower - 32);
    };
    if (eq(i, 's') || eq(i, 't') || eq(i, 'm') || eq(i, 'd')) return i + 1;
    if (fold && i + 1 < n && s[i] == 0xC5 && s[i + 1] == 0xBF) return i + 2;  // U+017F
    if ((eq(i, 'r') || eq(i, 'v')) && eq(i + 1, 'e')) return i + 2;
    if (eq(i, 'l') && eq(i + 1, 'l')) return i + 2;
    return 0;
  }

  // The trailing whitespace alternatives shared by all patterns, at a White_Space code point:
  //   [\s*[\r\n]+ |]  \s+(?!\S)  |  \s+
  // \s*[\r\n]+ backtracks from the end of the run to its last CR/LF. \s+(?!\S) keeps the whole
  // run at the end of the text; otherwise it backtracks one code point, so that the last blank
  // goes to the next piece, unless the run is a single code point, where \s+ takes it.
  size_t whitespace(size_t i, bool newline_alt) const {
    size_t j = i;
    size_t last_start = i;
    size_t after_newline = 0;
    while (j < n) {
      const cp_info c = at(j);
      if (c.cls != cp_class::space) break;
      last_start = j;
      j += c.len;
      if (c.cp == '\r' || c.cp == '\n') after_newline = j;
    }
    if (newline_alt && after_newline != 0) return after_newline;
    if (j == n) return j;
    return last_start > i ? last_start : j;
  }
};

bool is_letter_c(cp_class c) { return is_letter(c); }
bool is_number_c(cp_class c) { return is_number(c); }
bool is_other_c(cp_class c) { return is_other(c); }
bool is_upper_set_c(cp_class c) { return is_upper_set(c); }
bool is_lower_set_c(cp_class c) { return is_lower_set(c); }

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t next_gpt2(const scanner& sc, size_t i) {
  const cp_info c = sc.at(i);
  if (c.cp == '\'') {
    if (size_t e = sc.contraction(i + 1, false)) return e;
  }
  size_t p = i;
  cp_class k = c.cls;
  if (c.cp == ' ' && i + 1 < sc.n) {
    // " ?X+" with the space, if X+ can follow; otherwise the space is whitespace.
    const cp_class k2 = sc.at(i + 1).cls;
    if (is_letter(k2) || is_number(k2) || is_other(k2)) {
      p = i + 1;
      k = k2;
    }
  }
  if (is_letter(k)) return sc.run(p, is_letter_c);
  if (is_number(k)) return sc.run(p, is_number_c);
  if (is_other(k)) return sc.run(p, is_other_c);
  return sc.whitespace(i, false);
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*
// |\s*[\r\n]+|\s+(?!\S)|\s+
// cl100k and o200k: \p{N}{1,3}, a run of one to three numeric code points.
size_t number_run(const scanner& sc, size_t i, const cp_info& c) {
  size_t e = i + c.len;
  for (int k = 1; k < 3 && e < sc.n; ++k) {
    const cp_info d = sc.at(e);
    if (!is_number(d.cls)) break;
    e += d.len;
  }
  return e;
}

size_t next_cl100k(const scanner& sc, size_t i) {
  const cp_info c = sc.at(i);
  if (c.cp == '\'') {
    if (size_t e = sc.contraction(i + 1, true)) return e;
  }
  if (is_letter(c.cls)) return sc.run(i, is_letter_c);
  const bool crlf = c.cp == '\r' || c.cp == '\n';
  if (!crlf && !is_number(c.cls)) {
    // One code point that is not a letter, digit or newline may lead a run of letters.
    const size_t p = i + c.len;
    if (p < sc.n && is_letter(sc.at(p).cls)) return sc.run(p, is_letter_c);
  }
  if (is_number(c.cls)) return number_run(sc, i, c);
  if (c.cp == ' ' && i + 1 < sc.n && is_other(sc.at(i + 1).cls)) {
    return sc.run_newlines(sc.run(i + 1, is_other_c), false);
  }
  if (is_other(c.cls)) return sc.run_newlines(sc.run(i, is_other_c), false);
  return sc.whitespace(i, true);
}

// U* W+ of o200k's first alternative ([\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)
// starting at p; returns its end or 0 if it cannot match. U* takes the longest run of U; if a
// W follows (necessarily Ll), W+ takes the run of W from there. Otherwise U* gives code points
// back until W+ can match the last code point in both classes (Lm, Lo, M) of the run, and W+
// stops right after it, since what follows it is Lu/Lt or not a letter at all.
size_t upper_then_lower(const scanner& sc, size_t p) {
  size_t q = p;
  size_t last_both_end = 0;
  while (q < sc.n) {
    const cp_info c = sc.at(q);
    if (!is_upper_set(c.cls)) {
      if (is_lower_set(c.cls)) return sc.run(q, is_lower_set_c);
      break;
    }
    q += c.len;
    if (is_lower_set(c.cls)) last_both_end = q;
  }
  return last_both_end;
}

// o200k_base:
//   [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?
//  |[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?
//  |\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
size_t next_o200k(const scanner& sc, size_t i) {
  const cp_info c = sc.at(i);
  auto with_contraction = [&](size_t e) {
    if (e < sc.n && sc.s[e] == '\'') {
      if (size_t k = sc.contraction(e + 1, true)) return k;
    }
    return e;
  };
  const bool crlf = c.cp == '\r' || c.cp == '\n';
  const bool prefix = !crlf && !is_letter(c.cls) && !is_number(c.cls);
  if (prefix) {
    const size_t p = i + c.len;
    // Alternative 1 with the prefix, then without it (only a mark can start U*W+ itself).
    if (size_t e = upper_then_lower(sc, p)) return with_contraction(e);
    if (c.cls == cp_class::mark) return with_contraction(upper_then_lower(sc, i));
    // Alternative 2 with the prefix: U+ W*.
    const size_t u = sc.run(p, is_upper_set_c);
    if (u > p) return with_contraction(sc.run(u, is_lower_set_c));
  } else if (is_letter(c.cls)) {
    if (size_t e = upper_then_lower(sc, i)) return with_contraction(e);
    const size_t u = sc.run(i, is_upper_set_c);  // c is Lu/Lt here, so u > i
    return with_contraction(sc.run(u, is_lower_set_c));
  }
  if (is_number(c.cls)) return number_run(sc, i, c);
  if (c.cp == ' ' && i + 1 < sc.n && is_other(sc.at(i + 1).cls)) {
    return sc.run_newlines(sc.run(i + 1, is_other_c), true);
  }
  if (is_other(c.cls)) return sc.run_newlines(sc.run(i, is_other_c), true);
  return sc.whitespace(i, true);
}

}  // namespace

size_t next_piece(pattern_kind kind, std::string_view text, size_t i) {
  const scanner sc{reinterpret_cast<const unsigned char*>(text.data()), text.size()};
  switch (kind) {
    case pattern_kind::gpt2: return next_gpt2(sc, i);
    case pattern_kind::cl100k: return next_cl100k(sc, i);
    case pattern_kind::o200k: return next_o200k(sc, i);
  }
  return text.size();
}

}  // namespace llmtap::tokenizer
