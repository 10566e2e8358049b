#pragma once
// A tiktoken-compatible encoding: pre-tokenizer pattern + mergeable ranks + special tokens.
// Immutable once loaded; every method is const and safe to call from many threads.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/pretokenize.h"
#include "tokenizer/rank_table.h"

namespace llmtap::tokenizer {

class encoding;

// Loading is the only step that can fail (missing or corrupt rank file); it reports why
// instead of throwing.
struct load_result {
  std::shared_ptr<const encoding> value;
  std::string error;
  bool ok() const { return value != nullptr; }
};

class encoding {
 public:
  // name: o200k_base, cl100k_base, p50k_base, p50k_edit, r50k_base (gpt2 is r50k_base).
  // Reads <dir>/<rank file>.tiktoken.
  static load_result load(std::string_view name, const std::filesystem::path& dir);
  // Same, from rank file contents already in memory (tests, embedding).
  static load_result from_ranks(std::string_view name, std::string_view tiktoken_file);

  // Names of the encodings load() knows, in a stable order.
  static std::span<const std::string_view> names();

  // Text as ordinary text: special-token strings are not special. Any bytes are accepted;
  // invalid UTF-8 is split as one "other" code point per bad byte.
  std::vector<uint32_t> encode_ordinary(std::string_view text) const;
  // Like tiktoken's encode(text, allowed_special="all"): special-token strings become their ids.
  std::vector<uint32_t> encode_with_special_tokens(std::string_view text) const;
  // Number of tokens encode_ordinary would return, without building the vector.
  size_t count(std::string_view text) const;
  // Concatenated bytes of the tokens; ids that are neither ranks nor special tokens are skipped.
  std::string decode(std::span<const uint32_t> tokens) const;
  // Bytes of one token (special tokens included); empty if unknown.
  std::string_view token_bytes(uint32_t id) const;

  std::string_view name() const { return name_; }
  pattern_kind pattern() const { return pattern_; }
  // Highest token id + 1, as tiktoken's n_vocab.
  uint32_t n_vocab() const { return n_vocab_; }
  const std::vector<std::pair<std::string, uint32_t>>& special_tokens() const { return specials_; }
  // The id of a special token string, or no_rank.
  uint32_t special_token(std::string_view text) const;

  const rank_table& ranks() const { return ranks_; }

 private:
  template <class Sink>
  void encode_into(std::string_view text, Sink& sink, std::vector<uint32_t>& scratch) const;

  std::string name_;
  pattern_kind pattern_ = pattern_kind::o200k;
  rank_table ranks_;
  std::vector<std::pair<std::string, uint32_t>> specials_;
  uint32_t n_vocab_ = 0;
};

}  // namespace llmtap::tokenizer
