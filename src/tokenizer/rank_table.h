#pragma once
// The mergeable ranks of one encoding: bytes -> rank for encoding, rank -> bytes for decoding.
// One contiguous blob holds every token's bytes; the hash table is open addressing over it, so
// a lookup is one hash of the piece plus usually one memcmp (no std::string keys, no nodes).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace llmtap::tokenizer {

inline constexpr uint32_t no_rank = UINT32_MAX;

class rank_table {
 public:
  // Parses a .tiktoken file ("<base64 bytes> <rank>\n" per token). Returns an empty string on
  // success, else what is wrong (with the line number).
  std::string parse(std::string_view file);

  uint32_t find(std::string_view bytes) const {
    if (bytes.size() <= 2) {
      // Direct tables: every piece's BPE starts by looking up all its byte pairs.
      if (bytes.empty()) return no_rank;
      const auto b0 = static_cast<unsigned char>(bytes[0]);
      if (bytes.size() == 1) return short_.empty() ? find_hashed(bytes) : short_[b0];
      const auto b1 = static_cast<unsigned char>(bytes[1]);
      return short_.empty() ? find_hashed(bytes) : short_[256 + (size_t{b0} << 8 | b1)];
    }
    if (bytes.size() > max_len_) return no_rank;
    return find_hashed(bytes);
  }

  uint32_t find_hashed(std::string_view bytes) const {
    const uint64_t h = hash(bytes);
    size_t slot = h & mask_;
    const uint64_t head = load_head(bytes);
    for (;;) {
      const entry& e = slots_[slot];
      if (e.rank == no_rank) return no_rank;
      // Tokens of up to 8 bytes compare in the slot itself; longer ones also compare their tail.
      if (e.head == head && e.len == bytes.size() &&
          (e.len <= 8 || std::memcmp(blob_.data() + tokens_[e.rank].off + 8, bytes.data() + 8,
                                     e.len - 8) == 0)) {
        return e.rank;
      }
      slot = (slot + 1) & mask_;
    }
  }

  // The first (up to) 8 bytes, zero-padded.
  static uint64_t load_head(std::string_view b) {
    uint64_t v = 0;
    std::memcpy(&v, b.data(), b.size() < 8 ? b.size() : 8);
    return v;
  }

  // Bytes of a rank, or empty if the rank is not a mergeable token.
  std::string_view bytes(uint32_t rank) const {
    if (rank >= tokens_.size()) return {};
    const span& t = tokens_[rank];
    return std::string_view(blob_).substr(t.off, t.len);
  }

  size_t size() const { return count_; }
  size_t max_token_len() const { return max_len_; }
  uint32_t max_rank() const { return tokens_.empty() ? 0 : static_cast<uint32_t>(tokens_.size() - 1); }

  static uint64_t hash(std::string_view b);

 private:
  // 16 bytes, so one cache line holds four probes and a short token needs no other memory.
  struct entry {
    uint64_t head = 0;
    uint32_t rank = no_rank;
    uint32_t len = 0;
  };
  struct span {
    uint32_t off = 0;
    uint32_t len = 0;
  };
  std::string blob_;
  std::vector<span> tokens_;  // indexed by rank; len 0 marks a gap
  std::vector<entry> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
  size_t max_len_ = 0;
  std::vector<uint32_t> short_;  // 256 one-byte + 65536 two-byte ranks (no_rank if absent)  // longest token: longer byte strings are rejected without hashing
};

}  // namespace llmtap::tokenizer
