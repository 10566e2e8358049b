#pragma once
// Header names compared without case folding a byte at a time: names are RFC 9110 tokens (the
// HTTP parser checked them), which makes an eight-byte OR with 0x20 an exact test.
#include <cstdint>
#include <cstring>
#include <string_view>

namespace llmtap {

// Whether a header name equals `lower`, a lower-case name of letters, digits and '-', ignoring
// case. Setting bit 0x20 lower-cases a letter and leaves digits and '-' as they are; no other
// token byte becomes one of those by it, so the test is exact, eight bytes at a time. (A
// byte-at-a-time fold was ~2,700 instructions a call on the response's rate-limit headers alone,
// callgrind.)
inline bool name_is(std::string_view name, std::string_view lower) {
  if (name.size() != lower.size()) return false;
  size_t i = 0;
  for (; i + 8 <= name.size(); i += 8) {
    uint64_t a = 0, b = 0;
    std::memcpy(&a, name.data() + i, 8);
    std::memcpy(&b, lower.data() + i, 8);
    if ((a | 0x2020202020202020u) != b) return false;
  }
  for (; i < name.size(); ++i)
    if ((name[i] | 0x20) != lower[i]) return false;
  return true;
}

inline bool name_starts_with(std::string_view name, std::string_view lower) {
  return name.size() >= lower.size() && name_is(name.substr(0, lower.size()), lower);
}

}  // namespace llmtap
