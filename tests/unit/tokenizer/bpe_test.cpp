// The heap merge (long pieces) must give exactly what tiktoken's scan (short pieces) gives, and
// adversarial input must take linear-ish time.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "reference.h"
#include "test_support.h"
#include "tokenizer/bpe.h"

namespace llmtap::tokenizer::test {
namespace {

void expect_same_merge(const encoding& e, std::string_view piece) {
  std::vector<uint32_t> small, large;
  bpe_merge_small(e.ranks(), piece, small);
  bpe_merge_large(e.ranks(), piece, large);
  ASSERT_EQ(small, large) << e.name() << ": \"" << piece.substr(0, 60) << "\"";
}

TEST(bpe, heap_merge_equals_scan_on_corpus_pieces) {
  std::string err;
  const auto slice = corpus_slice(&err);
  ASSERT_TRUE(err.empty()) << err;
  for (std::string_view name : all_encodings) {
    const encoding& e = enc(name);
    size_t checked = 0;
    for (size_t d = 0; d < slice.size(); d += 3) {
      for_each_piece(e.pattern(), slice[d], [&](std::string_view piece) {
        if (piece.size() < 2) return;
        expect_same_merge(e, piece);
        ++checked;
      });
    }
    EXPECT_GT(checked, 1000u) << name;
  }
}

TEST(bpe, heap_merge_equals_scan_on_whole_documents) {
  // Whole lines as one piece: hundreds of merges with ties and cross-word pairs.
  std::string err;
  const auto slice = corpus_slice(&err);
  ASSERT_TRUE(err.empty()) << err;
  const encoding& e = enc("o200k_base");
  for (size_t d = 0; d < slice.size(); d += 7) {
    std::string_view doc = slice[d];
    expect_same_merge(e, doc.substr(0, 400));
  }
  for (std::string_view name : all_encodings) {
    expect_same_merge(enc(name), repeat("a", 300));
    expect_same_merge(enc(name), repeat("ab", 300));
    expect_same_merge(enc(name), repeat("\xe4\xb8\xad", 200));
  }
}

TEST(bpe, single_character_200k_is_fast) {
  // tiktoken needs ~75 s for this; the bound is a hang guard (sanitized Debug build, shared CPU).
  for (std::string_view name : all_encodings) {
    const encoding& e = enc(name);
    for (std::string_view c : {"a", " ", "\n", "\xf0\x9f\x98\x80", "1"}) {
      const std::string text = repeat(c, 200'000 / c.size());
      const auto t0 = std::chrono::steady_clock::now();
      const auto ids = e.encode_ordinary(text);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_LT(s, 2.0) << name << " " << c;
      EXPECT_EQ(e.decode(ids), text);
      EXPECT_LE(ids.size(), text.size());
      if (s > 0.25) std::printf("  %s x%zu: %.3f s\n", std::string(name).c_str(), text.size(), s);
    }
  }
}

TEST(bpe, pretokenizer_stays_linear_on_backtracking_shapes) {
  const std::string shapes[] = {
      "\xca\xb0" + repeat("A", 100'000) + "!", "\xcc\x81" + repeat("A", 100'000),
      repeat("A\xcc\x81", 50'000), repeat("\n ", 50'000) + "x", repeat("!", 100'000) + "a",
      repeat(" \t", 50'000) + "1",
  };
  for (std::string_view name : all_encodings) {
    for (const auto& text : shapes) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto ids = enc(name).encode_ordinary(text);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      EXPECT_LT(s, 2.0) << name;
      EXPECT_EQ(enc(name).decode(ids), text);
    }
  }
}

TEST(bpe, cl100k_hundred_thousand_a_is_12500_tokens) {
  // The figure tiktoken's maintainers give for its fixed large-piece path (openai/tiktoken#195).
  EXPECT_EQ(enc("cl100k_base").count(repeat("a", 100'000)), 12'500u);
}

}  // namespace
}  // namespace llmtap::tokenizer::test
