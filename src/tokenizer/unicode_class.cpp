#include "tokenizer/unicode_class.h"

#include <utf8proc.h>

#include <array>
#include <memory>
#include <vector>

namespace llmtap::tokenizer {
namespace {

// White_Space (PropList.txt). utf8proc has no property lookup, and the list has been stable
// since Unicode 6.3 (U+180E left it), so it is spelled out here.
bool is_white_space(uint32_t cp) {
  switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

cp_class from_category(uint32_t cp) {
  if (is_white_space(cp)) return cp_class::space;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LT: return cp_class::upper;
    case UTF8PROC_CATEGORY_LL: return cp_class::lower;
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: return cp_class::both;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
      return cp_class::mark;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return cp_class::number;
    default: return cp_class::other;
  }
}

// Two-stage table (256-code-point blocks, identical blocks shared): utf8proc's lookup is a
// function call through its own tables, and this is the innermost loop of the pre-tokenizer.
struct class_table {
  std::vector<uint16_t> block_of;  // 0x1100 entries
  std::vector<cp_class> blocks;    // 256 per distinct block
  class_table() {
    block_of.resize(0x1100);
    std::array<cp_class, 256> cur{};
    for (uint32_t b = 0; b < 0x1100; ++b) {
      for (uint32_t i = 0; i < 256; ++i) cur[i] = from_category((b << 8) | i);
      size_t found = blocks.size() / 256;
      for (size_t k = 0; k < blocks.size() / 256; ++k) {
        if (std::equal(cur.begin(), cur.end(), blocks.begin() + static_cast<ptrdiff_t>(k * 256))) {
          found = k;
          break;
        }
      }
      if (found == blocks.size() / 256) blocks.insert(blocks.end(), cur.begin(), cur.end());
      block_of[b] = static_cast<uint16_t>(found);
    }
  }
};

const class_table& table() {
  static const class_table t;
  return t;
}

}  // namespace

cp_class classify(uint32_t cp) {
  if (cp > 0x10FFFF) return cp_class::other;
  const auto& t = table();
  return t.blocks[size_t{t.block_of[cp >> 8]} * 256 + (cp & 0xFF)];
}

namespace detail {

const cp_class ascii_class[128] = {
#define O cp_class::other
#define S cp_class::space
#define U cp_class::upper
#define L cp_class::lower
#define N cp_class::number
    O, O, O, O, O, O, O, O, O, S, S, S, S, S, O, O,  // 0x00
    O, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  // 0x10
    S, O, O, O, O, O, O, O, O, O, O, O, O, O, O, O,  // 0x20
    N, N, N, N, N, N, N, N, N, N, O, O, O, O, O, O,  // 0x30
    O, U, U, U, U, U, U, U, U, U, U, U, U, U, U, U,  // 0x40
    U, U, U, U, U, U, U, U, U, U, U, O, O, O, O, O,  // 0x50
    O, L, L, L, L, L, L, L, L, L, L, L, L, L, L, L,  // 0x60
    L, L, L, L, L, L, L, L, L, L, L, O, O, O, O, O,  // 0x70
#undef O
#undef S
#undef U
#undef L
#undef N
};

cp_info decode_slow(const unsigned char* s, size_t n) {
  const cp_info bad{s[0], 1, cp_class::other};
  const unsigned char b0 = s[0];
  uint32_t cp;
  uint8_t len;
  uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) { cp = b0 & 0x1F; len = 2; min = 0x80; }
  else if (b0 >= 0xE0 && b0 <= 0xEF) { cp = b0 & 0x0F; len = 3; min = 0x800; }
  else if (b0 >= 0xF0 && b0 <= 0xF4) { cp = b0 & 0x07; len = 4; min = 0x10000; }
  else return bad;
  if (n < len) return bad;
  for (uint8_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return bad;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return bad;
  return {cp, len, classify(cp)};
}

}  // namespace detail
}  // namespace llmtap::tokenizer
