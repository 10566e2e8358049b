#include "openai/headers.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace llmtap::openai {

namespace {
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

constexpr int64_t kNsPerMs = 1'000'000;
constexpr int64_t kMaxNs = std::numeric_limits<int64_t>::max();

// Nanoseconds per Go duration unit; 0 when `u` is not one.
int64_t unit_ns(std::string_view u) {
  if (u == "ns") return 1;
  if (u == "us" || u == "\xC2\xB5s" || u == "\xCE\xBCs") return 1'000;  // us, micro sign, mu
  if (u == "ms") return kNsPerMs;
  if (u == "s") return 1'000'000'000;
  if (u == "m") return 60'000'000'000;
  if (u == "h") return 3'600'000'000'000;
  return 0;
}

// Total nanoseconds of a bare decimal number of `unit_size`-ns units, -1 on overflow or garbage.
// `whole` and `frac` are digit strings (either may be empty, not both).
int64_t number_ns(std::string_view whole, std::string_view frac, int64_t unit_size) {
  int64_t w = 0;
  if (!whole.empty()) {
    auto [p, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), w);
    if (ec != std::errc() || p != whole.data() + whole.size()) return -1;
  }
  if (w > kMaxNs / unit_size) return -1;
  int64_t ns = w * unit_size;
  // Digits beyond nanosecond resolution do not change the millisecond result.
  if (frac.size() > 15) frac = frac.substr(0, 15);
  if (!frac.empty()) {
    double f = 0, scale = 1;
    for (char c : frac) {
      f = f * 10 + (c - '0');
      scale *= 10;
    }
    const double extra = std::round(f / scale * static_cast<double>(unit_size));
    if (static_cast<double>(kMaxNs - ns) < extra) return -1;
    ns += static_cast<int64_t>(extra);
  }
  return ns;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_int(std::string_view s, int64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '-') return false;
  }
  if (s.empty()) return false;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return false;
  out = v;
  return true;
}

int64_t parse_go_duration_ms(std::string_view s) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '-') return -1;
  int64_t total = 0;
  bool bare = true;  // no unit seen: the whole string is one number of seconds
  size_t i = 0;
  while (i < s.size()) {
    const size_t w0 = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    std::string_view whole = s.substr(w0, i - w0), frac;
    if (i < s.size() && s[i] == '.') {
      const size_t f0 = ++i;
      while (i < s.size() && is_digit(s[i])) ++i;
      frac = s.substr(f0, i - f0);
    }
    if (whole.empty() && frac.empty()) return -1;
    const size_t u0 = i;
    while (i < s.size() && !is_digit(s[i]) && s[i] != '.') ++i;
    std::string_view unit = s.substr(u0, i - u0);
    int64_t unit_size = 0;
    if (unit.empty()) {
      if (!bare || i != s.size()) return -1;  // "1h5" is not a duration
      unit_size = 1'000'000'000;
    } else {
      unit_size = unit_ns(unit);
      if (unit_size == 0) return -1;
      bare = false;
    }
    const int64_t ns = number_ns(whole, frac, unit_size);
    if (ns < 0 || ns > kMaxNs - total) return -1;
    total += ns;
  }
  return total / kNsPerMs + ((total % kNsPerMs) >= kNsPerMs / 2 ? 1 : 0);
}

int64_t parse_processing_ms(std::string_view s) {
  s = trim(s);
  if (int64_t v = 0; parse_int(s, v)) return v >= 0 ? v : -1;
  double d = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !(d >= 0) || d > 1e15) {
    return -1;
  }
  return std::llround(d);
}

bool apply_rate_limit_header(rate_limits& rl, std::string_view name, std::string_view value) {
  constexpr std::string_view prefix = "x-ratelimit-";
  // Runs for every response header llmtap does not know by name: the length turns most of them
  // away. The six names differ in length or in their first letter after the prefix.
  if (name.size() < prefix.size() + 12 || name.size() > prefix.size() + 18) return false;
  if (!name_starts_with(name, prefix)) return false;
  const std::string_view rest = name.substr(prefix.size());
  int64_t* field = nullptr;
  bool duration = false;
  switch (rest.size()) {
    case 12:
      if (name_is(rest, "limit-tokens"))
        field = &rl.limit_tokens;
      else if (name_is(rest, "reset-tokens"))
        field = &rl.reset_tokens_ms, duration = true;
      break;
    case 14:
      if (name_is(rest, "limit-requests"))
        field = &rl.limit_requests;
      else if (name_is(rest, "reset-requests"))
        field = &rl.reset_requests_ms, duration = true;
      break;
    case 16:
      if (name_is(rest, "remaining-tokens")) field = &rl.remaining_tokens;
      break;
    case 18:
      if (name_is(rest, "remaining-requests")) field = &rl.remaining_requests;
      break;
    default:
      break;
  }
  if (field == nullptr) return false;
  int64_t v = -1;
  if (duration) {
    v = parse_go_duration_ms(value);
  } else if (!parse_int(value, v) || v < 0) {
    v = -1;
  }
  *field = v;
  return true;
}

}  // namespace llmtap::openai
