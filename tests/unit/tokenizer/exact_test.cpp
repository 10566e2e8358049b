// Token ids must equal tiktoken's (npm package, run now by reference.js) on a corpus slice and on
// adversarial shapes, for all four encodings.
#include <gtest/gtest.h>

#include "reference.h"
#include "test_support.h"

namespace llmtap::tokenizer::test {
namespace {

std::vector<std::string> adversarial() {
  std::vector<std::string> v;
  // Long runs of one character: pieces far past the heap-merge threshold.
  for (const char* c : {"a", "_", "-", "=", "x", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "'"}) {
    for (size_t n : {1, 2, 3, 7, 64, 127, 128, 129, 255, 1000, 4099}) v.push_back(repeat(c, n));
  }
  v.push_back(repeat("a", 8000));
  v.push_back(repeat("ab", 2500));
  v.push_back(repeat("abc ", 500));
  {
    // Pseudo-random letters: one long piece with an irregular merge order.
    std::string s;
    uint32_t x = 12345;
    for (int i = 0; i < 6000; ++i) {
      x = x * 1103515245u + 12345u;
      s.push_back(static_cast<char>('a' + (x >> 16) % 26));
    }
    v.push_back(s);
  }
  // Whitespace runs: spaces, tabs, newlines, CR, Unicode blanks, before letters/digits/punct/end.
  for (const char* w : {" ", "  ", "   ", "\t", "\t\t", "\n", "\n\n", "\r\n", "\r\n\r\n", " \n", "\n ",
                        " \t \n\t ", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\xa8", "\xc2\x85", "\x0b\x0c",
                        " \xc2\xa0 ", "\n\n\n \t"}) {
    for (const char* after : {"", "word", "Word", "123", "!!", "\n", " x", "\xe4\xb8\xad"}) {
      v.push_back(std::string("x") + w + after);
      v.push_back(std::string(w) + after);
    }
  }
  v.push_back(repeat(" ", 3000) + "end");
  v.push_back(repeat("\n", 3000));
  v.push_back(repeat(" \t\n", 1000) + "x");
  v.push_back(repeat("\r\n", 700));
  // Digits: runs, separators, other scripts' digits, Nl/No numbers.
  for (const char* d : {"1", "12", "123", "1234", "12345678901234567890", " 12345", "3.14159",
                        "1,000,000", "0x1F600", "\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4",   // Arabic-Indic
                        "\xe2\x85\xab\xe2\x85\xa0", "\xc2\xbd\xc2\xb2", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"}) {
    v.push_back(d);
    v.push_back(std::string("abc") + d + "def");
  }
  v.push_back(repeat("9", 5000));
  // Emoji: ZWJ sequences, skin tones, flags, variation selectors, keycaps.
  for (const char* e : {"\xf0\x9f\x91\x8d\xf0\x9f\x8f\xbd",
                        "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9\xe2\x80\x8d\xf0\x9f\x91\xa7\xe2\x80\x8d\xf0\x9f\x91\xa6",
                        "\xf0\x9f\x8f\xb3\xef\xb8\x8f\xe2\x80\x8d\xf0\x9f\x8c\x88",
                        "\xe2\x9d\xa4\xef\xb8\x8f", "\xf0\x9f\x87\xab\xf0\x9f\x87\xb7", "1\xef\xb8\x8f\xe2\x83\xa3",
                        "\xf0\x9f\xa7\x91\xf0\x9f\x8f\xbf\xe2\x80\x8d\xf0\x9f\x92\xbb"}) {
    v.push_back(e);
    v.push_back(std::string("hi ") + e + " there" + e + e);
    v.push_back(repeat(e, 50));
  }
  // Scripts, incl. combining marks (Indic, Thai, Vietnamese), titlecase and modifier letters.
  for (const char* s : {
           "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe4\xb8\x96\xe7\x95\x8c\xe3\x80\x82",  // 你好，世界。
           "\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\xe3\x82\xab\xe3\x82\xbf\xe3\x82\xab\xe3\x83\x8a",
           "\xec\x95\x88\xeb\x85\x95\xed\x95\x98\xec\x84\xb8\xec\x9a\x94",  // 안녕하세요
           "\xe0\xa4\xa8\xe0\xa4\xae\xe0\xa4\xb8\xe0\xa5\x8d\xe0\xa4\xa4\xe0\xa5\x87 \xe0\xa4\xa6\xe0\xa5\x81\xe0\xa4\xa8\xe0\xa4\xbf\xe0\xa4\xaf\xe0\xa4\xbe",
           "\xe0\xb8\xaa\xe0\xb8\xa7\xe0\xb8\xb1\xe0\xb8\xaa\xe0\xb8\x94\xe0\xb8\xb5\xe0\xb8\x84\xe0\xb8\xa3\xe0\xb8\xb1\xe0\xb8\x9a",
           "\xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7 \xd8\xa8\xd8\xa7\xd9\x84\xd8\xb9\xd8\xa7\xd9\x84\xd9\x85",
           "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xd7\xa2\xd7\x95\xd7\x9c\xd7\x9d",
           "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82, \xd0\x9c\xd0\x98\xd0\xa0!",
           "\xce\x9a\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xe1\xbd\xb3\xcf\x81\xce\xb1",
           "Ti\xe1\xba\xbfng Vi\xe1\xbb\x87t c\xc3\xb3 d\xe1\xba\xa5u",
           "Tie\xcc\x82\xcc\x81ng Vie\xcc\xa3\xcc\x82t",  // decomposed marks
           "\xe1\x83\x92\xe1\x83\x90\xe1\x83\x9b\xe1\x83\x90\xe1\x83\xa0\xe1\x83\xaf\xe1\x83\x9d\xe1\x83\x91\xe1\x83\x90",
           "\xe1\x88\xb0\xe1\x88\x8b\xe1\x88\x9d", "\xe1\x9e\x9f\xe1\x9e\xbd\xe1\x9e\x9f\xe1\x9f\x92\xe1\x9e\x8f\xe1\x9e\xb8",
           "\xe0\xae\xb5\xe0\xae\xa3\xe0\xae\x95\xe0\xaf\x8d\xe0\xae\x95\xe0\xae\xae\xe0\xaf\x8d",
           "\xc7\x85ungla \xc7\x88ubljana \xca\xb0\xca\xb2 \xe1\xb4\xac\xe1\xb4\xae",  // Lt, Lm
           "\xcc\x81" "ABC", "e\xcc\x81", "!\xcc\x81", "!!\xcc\x81x", "A\xcc\x81" "b", "AB\xcc\x81", "\xcc\x81\xcc\x82",
           " \xcc\x81" "abc", "1\xcc\x81", "\n\xcc\x81", "\xe0\xa4\x95\xe0\xa5\x8d\xe0\xa4\xb7", "\xef\xbb\xbf",
           "ab\xef\xbb\xbf" "cd", " \xef\xbb\xbfx", "\xef\xbb\xbfHello", "zero\xe2\x80\x8bwidth"}) {
    v.push_back(s);
  }
  // Contractions in mixed case, with U+017F (long s, case-folds to s), at piece edges.
  for (const char* c : {"'s", "'S", "'t", "'T", "'re", "'RE", "'rE", "'ve", "'Ve", "'m", "'M", "'ll", "'LL",
                        "'lL", "'d", "'D", "'x", "'", "''", "'\xc5\xbf", "'\xc5\xbf" "a", "'sa", "'ts"}) {
    for (const char* w : {"", "I", "it", "IT", "It", "you", "YOU", "don", "\xc3\x89t\xc3\xa9", " ", "1", "!"}) {
      v.push_back(std::string(w) + c + " next");
    }
  }
  v.push_back("I'm sure you'RE right, we'Ve said they'LL do IT'S job; HE'D know. Don'T!");
  v.push_back("CamelCaseString HTTPServer iPhone ALLCAPS lowercase MiXeD McDONALD'S");
  // Special-token strings are ordinary text here.
  for (const char* s : {"<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                        "<|im_start|>", "hello <|endoftext|> world<|endofprompt|>\n"}) {
    v.push_back(s);
  }
  // Code and URLs (o200k's [\r\n/]* tail).
  v.push_back("for (int i = 0; i < n; ++i) {\n\treturn x->y[i] != nullptr;\n}\n");
  v.push_back("https://example.com/a/b//c?d=1&e=2#f\n/\n//\n\r\n/usr/bin/env python3\n");
  v.push_back("def f(x):\n    return {'a': [1, 2, 3]}  # comment\n\n\n    \n");
  v.push_back(".\n/\n.\r\n//x");
  // Shapes where a matcher scans far and then backtracks (o200k's U*W+, blank runs).
  v.push_back("\xca\xb0" + repeat("A", 300) + "!");
  v.push_back("\xcc\x81" + repeat("A", 300) + "b");
  v.push_back(repeat("A\xcc\x81", 200) + "xyz");
  v.push_back("!" + repeat("\xca\xb0" "AB", 100) + "'S");
  v.push_back(repeat("\n ", 500) + "x");
  v.push_back(repeat(" \n\t", 500) + "\xe4\xb8\xad");
  v.push_back(repeat("a\xcc\x81", 300));
  v.push_back("");
  return v;
}

void expect_exact(std::string_view name, const std::vector<std::string>& texts) {
  std::string err;
  const auto ref = tiktoken_reference(name, texts, &err);
  ASSERT_TRUE(err.empty()) << err;
  const encoding& e = enc(name);
  size_t mismatches = 0;
  size_t tokens = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto ours = e.encode_ordinary(texts[i]);
    tokens += ours.size();
    EXPECT_EQ(e.count(texts[i]), ours.size());
    EXPECT_EQ(e.decode(ours), texts[i]);
    if (ours != ref[i]) {
      ++mismatches;
      if (mismatches <= 5) {
        ADD_FAILURE() << name << ": text #" << i << " (" << texts[i].size() << " bytes) \""
                      << texts[i].substr(0, 80) << "\": " << ours.size() << " ids vs tiktoken's "
                      << ref[i].size();
      }
    }
  }
  EXPECT_EQ(mismatches, 0u) << "of " << texts.size() << " texts";
  EXPECT_GT(tokens, 0u);
}

class exact : public ::testing::TestWithParam<std::string_view> {};

TEST_P(exact, adversarial_shapes_match_tiktoken) {
  ASSERT_NO_FATAL_FAILURE(expect_exact(GetParam(), adversarial()));
}

TEST_P(exact, corpus_slice_matches_tiktoken) {
  std::string err;
  const auto slice = corpus_slice(&err);
  ASSERT_TRUE(err.empty()) << err;
  size_t bytes = 0;
  for (const auto& d : slice) bytes += d.size();
  ASSERT_GT(bytes, 200'000u);  // a real slice, not an empty corpus
  ASSERT_NO_FATAL_FAILURE(expect_exact(GetParam(), slice));
}

INSTANTIATE_TEST_SUITE_P(encodings, exact, ::testing::ValuesIn(all_encodings),
                         [](const auto& info) { return std::string(info.param); });

TEST(exact_long, one_char_200k_is_tiktoken_8000_repeated) {
  // tiktoken is quadratic here (minutes for 200 kB), so the reference is "a"*8000 from tiktoken;
  // BPE of a run of one letter is periodic, which both 8000 and 200000 must show.
  for (std::string_view name : all_encodings) {
    std::string err;
    const auto ref = tiktoken_reference(name, {repeat("a", 8000)}, &err);
    ASSERT_TRUE(err.empty()) << err;
    ASSERT_FALSE(ref[0].empty());
    std::vector<uint32_t> expected;
    for (int i = 0; i < 25; ++i) expected.insert(expected.end(), ref[0].begin(), ref[0].end());
    EXPECT_EQ(enc(name).encode_ordinary(repeat("a", 200'000)), expected) << name;
  }
}

}  // namespace
}  // namespace llmtap::tokenizer::test
