#pragma once
// Response-header facts: rate-limit state and Go-style durations. Called by proxy workers while
// they read the upstream's response head; no allocation.
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::openai {

// ASCII case-insensitive equality, for HTTP header names.
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

// Whether a header name (RFC 9110 token bytes, as the HTTP parser checked them) equals `lower`,
// a lower-case name of letters, digits and '-', ignoring case. Setting bit 0x20 lower-cases a
// letter and leaves digits and '-' as they are; no other token byte becomes one of those by it,
// so the test is exact, eight bytes at a time. iequals folds a byte at a time: on every
// response header of every call that was ~2,700 instructions a call (callgrind).
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

// Strips spaces and tabs at both ends (header values may carry optional whitespace).
std::string_view trim(std::string_view s);

// A whole (trimmed) decimal integer with an optional sign; false on anything else, including
// overflow and trailing junk. `out` is untouched on failure.
bool parse_int(std::string_view s, int64_t& out);

// A Go time.Duration string ("6m0s", "20ms", "8.64s", "1h2m3.5s", "1us", "500ns", "0") in
// milliseconds, rounded to nearest. A bare number is seconds (Azure sends "0"). -1 when invalid,
// negative or out of range.
int64_t parse_go_duration_ms(std::string_view s);

// openai-processing-ms: an integer on OpenAI, a fraction on Azure ("3482.8264"). -1 if invalid.
int64_t parse_processing_ms(std::string_view s);

// Applies one of the six x-ratelimit-{limit,remaining,reset}-{requests,tokens} headers (name
// matched case-insensitively). Returns whether the name was one of them. A negative or
// unparsable value leaves the field at -1 ("unknown"): Azure sends -1 for limits it hides.
bool apply_rate_limit_header(rate_limits& rl, std::string_view name, std::string_view value);

}  // namespace llmtap::openai
