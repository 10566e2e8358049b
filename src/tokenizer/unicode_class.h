#pragma once
// Code point classes the tiktoken pre-tokenizer patterns distinguish, and a UTF-8 reader that
// never fails: an invalid byte reads as one code point of class `other`, so arbitrary bytes are
// split and merged like any other punctuation (tiktoken itself only ever sees valid UTF-8).
#include <cstddef>
#include <cstdint>

namespace llmtap::tokenizer {

enum class cp_class : uint8_t {
  other = 0,  // punctuation, symbols, controls (not White_Space), Cf, Cn, Co, Cs, invalid bytes
  upper,      // Lu, Lt: in o200k's "upper" class only
  lower,      // Ll: in o200k's "lower" class only
  both,       // Lm, Lo: letters in both o200k classes
  mark,       // Mn, Mc, Me: not \p{L}, but in both o200k classes
  number,     // Nd, Nl, No
  space,      // the Unicode White_Space property (Rust regex's \s)
};

struct cp_info {
  uint32_t cp;   // code point; the byte value for an invalid byte
  uint8_t len;   // bytes consumed, 1..4
  cp_class cls;
};

// Class of a valid code point (Unicode tables of the linked utf8proc; see README.md).
cp_class classify(uint32_t cp);

namespace detail {
extern const cp_class ascii_class[128];
cp_info decode_slow(const unsigned char* s, size_t n);
}  // namespace detail

// Reads the code point starting at s (n >= 1 bytes available).
inline cp_info read_cp(const unsigned char* s, size_t n) {
  if (s[0] < 0x80) return {s[0], 1, detail::ascii_class[s[0]]};
  return detail::decode_slow(s, n);
}

inline bool is_letter(cp_class c) {
  return c == cp_class::upper || c == cp_class::lower || c == cp_class::both;
}
inline bool is_number(cp_class c) { return c == cp_class::number; }
inline bool is_space(cp_class c) { return c == cp_class::space; }
// [^\s\p{L}\p{N}]
inline bool is_other(cp_class c) {
  return c == cp_class::other || c == cp_class::mark;
}
// o200k [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
inline bool is_upper_set(cp_class c) {
  return c == cp_class::upper || c == cp_class::both || c == cp_class::mark;
}
// o200k [\p{Ll}\p{Lm}\p{Lo}\p{M}]
inline bool is_lower_set(cp_class c) {
  return c == cp_class::lower || c == cp_class::both || c == cp_class::mark;
}

}  // namespace llmtap::tokenizer
