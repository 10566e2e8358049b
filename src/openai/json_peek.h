#pragma once
// Looking into JSON text without parsing it, for tests that run on every stream event, where a
// parse costs ten times more ("is this the usage event llmtap asked for"). Keys are
// matched as written (an escaped spelling is not found); a match counts only where a key can
// stand, after '{' or ',', so the same word inside a string (its quotes escaped) is passed over.
#include <functional>
#include <string_view>

namespace llmtap::openai {

class json_key {
 public:
  // `quoted`: the key with its quotes, e.g. "\"usage\"". Must outlive the json_key.
  explicit json_key(std::string_view quoted)
      : quoted_(quoted), search_(quoted.begin(), quoted.end()) {}

  // Where the value of the first occurrence of the key at or after `from` begins (after its
  // colon and any blanks); npos when there is none. To visit every occurrence, pass the last
  // value's position back as `from`.
  size_t value_in(std::string_view text, size_t from = 0) const;

 private:
  std::string_view quoted_;
  std::boyer_moore_horspool_searcher<std::string_view::const_iterator> search_;
};

inline bool is_json_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace llmtap::openai
