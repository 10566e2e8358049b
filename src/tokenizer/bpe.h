#pragma once
// Byte pair merge of one pre-token, with tiktoken's exact rule: repeatedly merge the adjacent
// pair whose concatenation has the lowest rank, the leftmost one on ties, until no adjacent
// pair is a token. Short pieces use tiktoken's own O(n*m) scan over a small array (fastest when
// n is a handful of bytes); long pieces use a heap and a linked list, O(n log n), so that a
// megabyte of one character costs milliseconds instead of minutes.
#include <cstdint>
#include <string_view>
#include <vector>

#include "tokenizer/rank_table.h"

namespace llmtap::tokenizer {

// Pieces at least this long take the heap path. Below it, the scan is faster in practice.
inline constexpr size_t bpe_heap_threshold = 128;

// Appends the ranks of piece (which is not itself a token) to out.
void bpe_merge_small(const rank_table& ranks, std::string_view piece, std::vector<uint32_t>& out);
void bpe_merge_large(const rank_table& ranks, std::string_view piece, std::vector<uint32_t>& out);

inline void bpe_merge(const rank_table& ranks, std::string_view piece, std::vector<uint32_t>& out) {
  if (piece.size() < bpe_heap_threshold) {
    bpe_merge_small(ranks, piece, out);
  } else {
    bpe_merge_large(ranks, piece, out);
  }
}

}  // namespace llmtap::tokenizer
