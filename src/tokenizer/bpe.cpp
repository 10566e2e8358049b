#include "tokenizer/bpe.h"

#include <algorithm>

namespace llmtap::tokenizer {

void bpe_merge_small(const rank_table& ranks, std::string_view piece, std::vector<uint32_t>& out) {
  // parts[k] = {start offset, rank of the pair starting at part k}; the sentinel part at the
  // end marks the piece's end. Mirrors tiktoken's _byte_pair_merge.
  struct part {
    uint32_t start;
    uint32_t rank;   // rank of this part merged with the next one, or no_rank
    uint32_t token;  // rank of this part's own bytes
  };
  const size_t n = piece.size();
  part stack_parts[bpe_heap_threshold + 1];
  part* parts = stack_parts;
  std::vector<part> heap_parts;
  if (n + 1 > bpe_heap_threshold + 1) {
    heap_parts.resize(n + 1);
    parts = heap_parts.data();
  }
  size_t count = n + 1;
  for (size_t k = 0; k + 1 < n; ++k) {
    parts[k] = {static_cast<uint32_t>(k), ranks.find(piece.substr(k, 2)), ranks.find(piece.substr(k, 1))};
  }
  parts[n - 1] = {static_cast<uint32_t>(n - 1), no_rank, ranks.find(piece.substr(n - 1, 1))};
  parts[n] = {static_cast<uint32_t>(n), no_rank, no_rank};
  // Rank of the merge of parts k and k+1 once merged with k+2 too, i.e. bytes [k, k+3).
  auto pair_rank = [&](size_t k) {
    if (k + 3 >= count) return no_rank;
    return ranks.find(piece.substr(parts[k].start, parts[k + 3].start - parts[k].start));
  };
  for (;;) {
    uint32_t best = no_rank;
    size_t at = 0;
    for (size_t k = 0; k + 1 < count; ++k) {
      if (parts[k].rank < best) {
        best = parts[k].rank;
        at = k;
      }
    }
    if (best == no_rank) break;
    if (at > 0) parts[at - 1].rank = pair_rank(at - 1);
    parts[at].rank = pair_rank(at);
    parts[at].token = best;
    std::copy(parts + at + 2, parts + count, parts + at + 1);
    --count;
  }
  for (size_t k = 0; k + 1 < count; ++k) out.push_back(parts[k].token);
}

void bpe_merge_large(const rank_table& ranks, std::string_view piece, std::vector<uint32_t>& out) {
  // Each live node is a run of bytes [start, next's start). A heap entry proposes merging a node
  // with its successor; it is stale once either side changed, which the stored end detects
  // (a node's start never moves, and its end changes whenever it or its successor merges).
  // A node is dead once merged into its predecessor: prev[k] == dead.
  constexpr uint32_t none = UINT32_MAX;
  constexpr uint32_t dead = UINT32_MAX - 1;
  const auto n = static_cast<uint32_t>(piece.size());
  std::vector<uint32_t> next(n), prev(n);
  for (uint32_t k = 0; k < n; ++k) {
    next[k] = k + 1;  // n means "end"
    prev[k] = k == 0 ? none : k - 1;
  }
  struct cand {
    uint32_t rank;
    uint32_t start;
    uint32_t end;  // end of the merged bytes when proposed
  };
  // Min-heap on (rank, start): the lowest rank, leftmost on ties, as tiktoken picks.
  auto later = [](const cand& a, const cand& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.start > b.start;
  };
  std::vector<cand> heap;
  heap.reserve(n);
  const size_t max_len = ranks.max_token_len();
  auto candidate = [&](uint32_t k, cand& c) {
    const uint32_t mid = next[k];
    if (mid >= n) return false;
    const uint32_t end = next[mid];
    if (end - k > max_len) return false;
    c = {ranks.find(piece.substr(k, end - k)), k, end};
    return c.rank != no_rank;
  };
  cand c{};
  for (uint32_t k = 0; k + 1 < n; ++k) {
    if (candidate(k, c)) heap.push_back(c);
  }
  std::make_heap(heap.begin(), heap.end(), later);  // O(n), not n pushes
  auto propose = [&](uint32_t k) {
    if (candidate(k, c)) {
      heap.push_back(c);
      std::push_heap(heap.begin(), heap.end(), later);
    }
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), later);
    const cand top = heap.back();
    heap.pop_back();
    if (prev[top.start] == dead) continue;
    const uint32_t mid = next[top.start];
    if (mid >= n || next[mid] != top.end) continue;  // stale
    prev[mid] = dead;
    next[top.start] = top.end;
    if (top.end < n) prev[top.end] = top.start;
    if (prev[top.start] != none) propose(prev[top.start]);
    propose(top.start);
  }
  for (uint32_t k = 0; k < n; k = next[k]) {
    out.push_back(ranks.find(piece.substr(k, next[k] - k)));
  }
}

}  // namespace llmtap::tokenizer
