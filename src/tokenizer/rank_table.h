#pragma once
// The mergeable ranks of one encoding: bytes -> rank for encoding, rank -> bytes for decoding.
// One contiguous blob holds every token's bytes; the hash table is open addressing over it, so
// a lookup is one hash of the piece plus usually one memcmp (no std::string keys, no nodes).
#include <cstdint>
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
    if (bytes.empty() || bytes.size() > max_len_) return no_rank;
    const uint64_t h = hash(bytes);
    size_t slot = h & mask_;
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (;;) {
      const entry& e = slots_[slot];
      if (e.rank == no_rank) return no_rank;
      if (e.tag == tag) {
        const span& t = tokens_[e.rank];
        if (t.len == bytes.size() && blob_.compare(t.off, t.len, bytes) == 0) return e.rank;
      }
      slot = (slot + 1) & mask_;
    }
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
  struct entry {
    uint32_t rank = no_rank;
    uint32_t tag = 0;
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
  size_t max_len_ = 0;  // longest token: longer byte strings are rejected without hashing
};

}  // namespace llmtap::tokenizer
