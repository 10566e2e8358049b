#pragma once
// Response-header facts: rate-limit state and Go-style durations. Called by proxy workers while
// they read the upstream's response head; no allocation.
#include <cstdint>
#include <string_view>

#include "core/exchange.h"
#include "core/header_name.h"

namespace llmtap::openai {

// ASCII case-insensitive equality, for HTTP header names.
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);

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
