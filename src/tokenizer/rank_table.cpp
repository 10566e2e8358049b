#include "tokenizer/rank_table.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace llmtap::tokenizer {
namespace {

int b64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding, as the .tiktoken files use. False on malformed input.
bool b64_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (const char ch : in) {
    if (ch == '=') {
      ++pad;
      continue;
    }
    if (pad != 0) return false;
    const int v = b64_value(static_cast<unsigned char>(ch));
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return in.size() % 4 == 0 && pad <= 2;
}

uint64_t load_le(const char* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n);
  return v;
}

}  // namespace

// Tokens are short (median ~6 bytes): mix 8-byte words with a multiply-xorshift. Quality only
// needs to spread ~200k distinct keys over a power-of-two table.
uint64_t rank_table::hash(std::string_view b) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (b.size() * 0xFF51AFD7ED558CCDull);
  size_t i = 0;
  for (; i + 8 <= b.size(); i += 8) {
    h = (h ^ load_le(b.data() + i, 8)) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  if (i < b.size()) {
    h = (h ^ load_le(b.data() + i, b.size() - i)) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
  }
  h *= 0xFF51AFD7ED558CCDull;
  h ^= h >> 32;
  return h;
}

std::string rank_table::parse(std::string_view file) {
  blob_.clear();
  tokens_.clear();
  short_.clear();
  count_ = 0;
  std::vector<std::pair<uint32_t, span>> entries;
  std::string bytes;
  size_t line_no = 0;
  while (!file.empty()) {
    ++line_no;
    const size_t nl = file.find('\n');
    std::string_view line = file.substr(0, nl);
    file = nl == std::string_view::npos ? std::string_view{} : file.substr(nl + 1);
    if (line.empty()) continue;
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return "line " + std::to_string(line_no) + ": no space";
    if (!b64_decode(line.substr(0, sp), bytes) || bytes.empty()) {
      return "line " + std::to_string(line_no) + ": bad base64";
    }
    uint32_t rank = 0;
    const std::string_view num = line.substr(sp + 1);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), rank);
    if (ec != std::errc{} || ptr != num.data() + num.size() || rank >= 10'000'000) {
      return "line " + std::to_string(line_no) + ": bad rank";
    }
    entries.push_back({rank, {static_cast<uint32_t>(blob_.size()), static_cast<uint32_t>(bytes.size())}});
    blob_ += bytes;
  }
  if (entries.empty()) return "no tokens";
  uint32_t max_rank = 0;
  for (const auto& e : entries) max_rank = std::max(max_rank, e.first);
  tokens_.assign(size_t{max_rank} + 1, span{});
  max_len_ = SIZE_MAX;  // while building, find() must not reject anything
  size_t cap = 1;
  while (cap < entries.size() * 2) cap <<= 1;
  slots_.assign(cap, entry{});
  mask_ = cap - 1;
  for (const auto& [rank, sp] : entries) {
    if (tokens_[rank].len != 0) return "rank " + std::to_string(rank) + " appears twice";
    const std::string_view b = std::string_view(blob_).substr(sp.off, sp.len);
    if (find_hashed(b) != no_rank) return "token of rank " + std::to_string(rank) + " appears twice";
    tokens_[rank] = sp;
    const uint64_t h = hash(b);
    size_t slot = h & mask_;
    while (slots_[slot].rank != no_rank) slot = (slot + 1) & mask_;
    slots_[slot] = {load_head(b), rank, sp.len};
    ++count_;
  }
  max_len_ = 0;
  for (const span& t : tokens_) max_len_ = std::max<size_t>(max_len_, t.len);
  std::vector<uint32_t> short_ranks(256 + 65536, no_rank);
  for (uint32_t r = 0; r < tokens_.size(); ++r) {
    const span& t = tokens_[r];
    const auto* b = reinterpret_cast<const unsigned char*>(blob_.data() + t.off);
    if (t.len == 1) short_ranks[b[0]] = r;
    if (t.len == 2) short_ranks[256 + (size_t{b[0]} << 8 | b[1])] = r;
  }
  short_ = std::move(short_ranks);
  return {};
}

}  // namespace llmtap::tokenizer
