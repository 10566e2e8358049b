#include "mock/content.h"

#include <array>
#include <cmath>
#include <cstring>
#include <random>

namespace llmtap::mock {

namespace {

// Plain words only: every token is a word, so a streamed delta is readable and JSON-safe.
constexpr std::array<const char*, 64> k_words = {
    "the",     "model",   "answers", "quickly", "with",    "a",       "clear",   "plan",
    "for",     "every",   "request", "and",     "token",   "counts",  "stay",    "stable",
    "across",  "runs",    "so",      "tests",   "can",     "compare", "results", "while",
    "latency", "is",      "shaped",  "by",      "headers", "that",    "steer",   "each",
    "call",    "through", "streams", "of",      "small",   "deltas",  "which",   "arrive",
    "in",      "order",   "until",   "done",    "proxy",   "sees",    "bytes",   "as",
    "they",    "come",    "cost",    "grows",   "only",    "when",    "usage",   "says",
    "so",      "metrics", "follow",  "calls",   "over",    "time",    "nothing", "breaks"};

thread_local std::mt19937_64 t_rng{std::random_device{}()};

bool is_word_byte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

}  // namespace

uint64_t fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

uint64_t count_tokens(std::string_view text) {
  uint64_t n = 0;
  bool in_word = false;
  for (unsigned char c : text) {
    if (is_word_byte(c)) {
      if (!in_word) ++n;
      in_word = true;
    } else {
      in_word = false;
      if (c > ' ' && c != 0x7f) ++n;
    }
  }
  return n;
}

std::vector<std::string> generate_tokens(uint64_t seed, uint64_t n) {
  std::vector<std::string> out;
  out.reserve(n);
  bool sentence_start = true;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t r = mix64(seed + i);
    std::string w = k_words[r % k_words.size()];
    if (sentence_start) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    // End a sentence now and then, and always on the last token.
    sentence_start = (i + 1 == n) || ((r >> 32) % 9 == 0 && i > 2);
    if (sentence_start) w += '.';
    out.push_back(i == 0 ? w : " " + w);
  }
  return out;
}

std::string join(const std::vector<std::string>& tokens) {
  std::string s;
  for (const auto& t : tokens) s += t;
  return s;
}

uint64_t default_length(uint64_t seed) {
  return 8 + mix64(seed ^ 0x5eed) % 25;
}

std::string resolve_model(std::string_view m) {
  struct alias {
    std::string_view name, snapshot;
  };
  static constexpr std::array<alias, 12> k_aliases = {{
      {"gpt-4o", "gpt-4o-2024-08-06"},
      {"gpt-4o-mini", "gpt-4o-mini-2024-07-18"},
      {"gpt-4.1", "gpt-4.1-2025-04-14"},
      {"gpt-4.1-mini", "gpt-4.1-mini-2025-04-14"},
      {"gpt-4.1-nano", "gpt-4.1-nano-2025-04-14"},
      {"gpt-3.5-turbo", "gpt-3.5-turbo-0125"},
      {"gpt-35-turbo", "gpt-35-turbo-0125"},
      {"gpt-4-turbo", "gpt-4-turbo-2024-04-09"},
      {"o1", "o1-2024-12-17"},
      {"o3-mini", "o3-mini-2025-01-31"},
      {"o4-mini", "o4-mini-2025-04-16"},
      {"gpt-5", "gpt-5-2025-08-07"},
  }};
  for (const auto& a : k_aliases)
    if (a.name == m) return std::string(a.snapshot);
  return std::string(m);
}

std::string model_for_deployment(std::string_view d) {
  // Longest recognisable family first, so "prod-gpt-4o-mini" is not taken for gpt-4o.
  static constexpr std::array<std::string_view, 10> k_families = {"gpt-4o-mini",
                                                                  "gpt-4.1-mini",
                                                                  "gpt-4.1-nano",
                                                                  "gpt-4o",
                                                                  "gpt-4.1",
                                                                  "gpt-35-turbo",
                                                                  "gpt-3.5-turbo",
                                                                  "text-embedding-3-small",
                                                                  "text-embedding-3-large",
                                                                  "text-embedding-ada-002"};
  for (auto f : k_families)
    if (d.find(f) != std::string_view::npos) return resolve_model(f);
  if (d.find("embedding") != std::string_view::npos) return "text-embedding-3-small";
  return "gpt-4o-2024-08-06";
}

std::string random_hex(std::size_t n) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = k_hex[t_rng() & 15];
  return s;
}

std::string random_alnum(std::size_t n) {
  static constexpr char k_chars[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(n, 'a');
  for (auto& c : s) c = k_chars[t_rng() % 62];
  return s;
}

std::vector<float> embedding_vector(std::string_view text, unsigned dims) {
  uint64_t seed = fnv1a(text);
  std::vector<double> v(dims);
  double norm = 0;
  for (unsigned i = 0; i < dims; ++i) {
    v[i] = static_cast<double>(mix64(seed + i) >> 11) / static_cast<double>(1ull << 53) * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = norm > 0 ? std::sqrt(norm) : 1;
  std::vector<float> out(dims);
  for (unsigned i = 0; i < dims; ++i)
    out[i] = static_cast<float>(std::round(v[i] / norm * 1e8) / 1e8);
  return out;
}

std::string base64_floats(const std::vector<float>& v) {
  static constexpr char k_b64[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string bytes(v.size() * sizeof(float), '\0');
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());  // x86/arm64: little-endian
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t x = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    out += {k_b64[x >> 18], k_b64[(x >> 12) & 63], k_b64[(x >> 6) & 63], k_b64[x & 63]};
  }
  if (i + 1 == bytes.size()) {
    uint32_t x = uint8_t(bytes[i]) << 16;
    out += {k_b64[x >> 18], k_b64[(x >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    uint32_t x = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {k_b64[x >> 18], k_b64[(x >> 12) & 63], k_b64[(x >> 6) & 63], '='};
  }
  return out;
}

const std::vector<model_entry>& known_models() {
  static const std::vector<model_entry> k = {
      {"gpt-4o", 1715367049, "system"},
      {"gpt-4o-2024-08-06", 1722814719, "system"},
      {"gpt-4o-mini", 1721172741, "system"},
      {"gpt-4o-mini-2024-07-18", 1721172717, "system"},
      {"gpt-4.1", 1744316542, "system"},
      {"gpt-4.1-mini", 1744318173, "system"},
      {"gpt-4.1-nano", 1744321707, "system"},
      {"gpt-3.5-turbo", 1677610602, "openai"},
      {"gpt-3.5-turbo-instruct", 1692901427, "system"},
      {"o3-mini", 1737146383, "system"},
      {"o4-mini", 1744225351, "system"},
      {"gpt-5", 1754425777, "system"},
      {"text-embedding-3-small", 1705948997, "system"},
      {"text-embedding-3-large", 1705953180, "system"},
      {"text-embedding-ada-002", 1671217299, "openai-internal"},
  };
  return k;
}

}  // namespace llmtap::mock
