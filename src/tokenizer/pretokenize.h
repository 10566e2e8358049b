#pragma once
// Hand-written matchers for the three pre-tokenizer patterns of tiktoken's encodings. Each
// returns where the piece starting at `i` ends, exactly as fancy-regex's leftmost-first,
// backtracking match of the pattern would (the derivation is in pretokenize.cpp). They run in
// time linear in the piece: no backtracking regex engine, no recursion, no stack to overflow.
#include <cstddef>
#include <string_view>

namespace llmtap::tokenizer {

enum class pattern_kind {
  gpt2,    // r50k_base, p50k_base, p50k_edit
  cl100k,  // cl100k_base
  o200k,   // o200k_base
};

// End of the piece that starts at i (i < text.size()); always > i.
size_t next_piece(pattern_kind kind, std::string_view text, size_t i);

// Calls f(piece) for every pre-token of text, in order.
template <class F>
void for_each_piece(pattern_kind kind, std::string_view text, F&& f) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t e = next_piece(kind, text, i);
    f(text.substr(i, e - i));
    i = e;
  }
}

}  // namespace llmtap::tokenizer
