#pragma once
// Shared fixtures: the four encodings loaded once per test binary.
#include <gtest/gtest.h>

#include <string>

#include "tokenizer/encoding.h"
#include "tokenizer/models.h"

namespace llmtap::tokenizer::test {

inline const encoding& enc(std::string_view name) {
  std::string err;
  const encoding* e = get_encoding(name, &err);
  if (e == nullptr) {
    ADD_FAILURE() << err;
    std::abort();
  }
  return *e;
}

inline constexpr std::string_view all_encodings[] = {"o200k_base", "cl100k_base", "p50k_base",
                                                     "r50k_base"};

inline std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace llmtap::tokenizer::test
