#include <gtest/gtest.h>

#include "test_support.h"
#include "tokenizer/chat.h"

namespace llmtap::tokenizer::test {
namespace {

TEST(encoding, vocab_sizes_and_special_tokens) {
  EXPECT_EQ(enc("o200k_base").n_vocab(), 200019u);
  EXPECT_EQ(enc("o200k_base").ranks().size(), 199998u);
  EXPECT_EQ(enc("cl100k_base").n_vocab(), 100277u);
  EXPECT_EQ(enc("cl100k_base").ranks().size(), 100256u);
  EXPECT_EQ(enc("p50k_base").n_vocab(), 50281u);
  EXPECT_EQ(enc("p50k_base").ranks().size(), 50280u);
  EXPECT_EQ(enc("r50k_base").n_vocab(), 50257u);
  EXPECT_EQ(enc("o200k_base").special_token("<|endoftext|>"), 199999u);
  EXPECT_EQ(enc("o200k_base").special_token("<|endofprompt|>"), 200018u);
  EXPECT_EQ(enc("cl100k_base").special_token("<|fim_suffix|>"), 100260u);
  EXPECT_EQ(enc("cl100k_base").special_token("<|endofprompt|>"), 100276u);
  EXPECT_EQ(enc("r50k_base").special_token("<|endoftext|>"), 50256u);
  EXPECT_EQ(enc("p50k_edit").special_token("<|fim_middle|>"), 50282u);
}

TEST(encoding, known_ids) {
  // Stable, widely quoted ids.
  EXPECT_EQ(enc("cl100k_base").encode_ordinary("hello world"), (std::vector<uint32_t>{15339, 1917}));
  EXPECT_EQ(enc("o200k_base").encode_ordinary("hello world"), (std::vector<uint32_t>{24912, 2375}));
  EXPECT_EQ(enc("r50k_base").encode_ordinary("hello world"), (std::vector<uint32_t>{31373, 995}));
  // U+FEFF is one token in tiktoken (gpt-tokenizer gets this wrong; tokenizer.md §5).
  EXPECT_EQ(enc("o200k_base").encode_ordinary("\xef\xbb\xbf"), (std::vector<uint32_t>{5574}));
  EXPECT_EQ(enc("cl100k_base").encode_ordinary("\xef\xbb\xbf"), (std::vector<uint32_t>{3305}));
}

TEST(encoding, special_tokens_ordinary_or_special) {
  const encoding& e = enc("cl100k_base");
  const auto ordinary = e.encode_ordinary("a<|endoftext|>b");
  EXPECT_GT(ordinary.size(), 3u);
  EXPECT_EQ(e.decode(ordinary), "a<|endoftext|>b");
  const auto special = e.encode_with_special_tokens("a<|endoftext|>b<|endofprompt|>");
  ASSERT_EQ(special.size(), 4u);
  EXPECT_EQ(special[1], 100257u);
  EXPECT_EQ(special[3], 100276u);
  EXPECT_EQ(e.decode(special), "a<|endoftext|>b<|endofprompt|>");
}

TEST(encoding, invalid_utf8_never_crashes_and_round_trips) {
  const std::string cases[] = {
      std::string("\xff\xfe\xfd"), std::string("abc\xc3"), std::string("\xc3(x"), std::string("\xe2\x82"),
      std::string("\xed\xa0\x80surrogate"), std::string("\xc0\xafoverlong"), std::string("\xf4\x90\x80\x80"),
      std::string("\x80\x80\x80  \x80 abc\xf0\x9f\x98"), std::string("it'\xff" "s \xfe\n\n\xff"),
      std::string("\0\0 a\0", 5), repeat("\xff", 5000), repeat("\xc3", 3001) + "a",
  };
  for (std::string_view name : all_encodings) {
    const encoding& e = enc(name);
    for (const auto& c : cases) {
      const auto ids = e.encode_ordinary(c);
      EXPECT_EQ(e.decode(ids), c) << name;
      EXPECT_EQ(e.count(c), ids.size());
    }
  }
}

TEST(encoding, decode_skips_unknown_ids) {
  const encoding& e = enc("cl100k_base");
  const std::vector<uint32_t> ids = {15339, 100256, 999999, 1917};
  EXPECT_EQ(e.decode(ids), "hello world");
}

TEST(encoding, load_reports_missing_files_and_unknown_names) {
  const load_result missing = encoding::load("o200k_base", "/nonexistent/dir");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.error.find("/nonexistent/dir/o200k_base.tiktoken"), std::string::npos) << missing.error;
  EXPECT_NE(missing.error.find("LLMTAP_TOKENIZER_DIR"), std::string::npos);
  EXPECT_FALSE(encoding::load("nope_base", "/tmp").ok());
  const load_result corrupt = encoding::from_ranks("r50k_base", "IQ== 0\nnot base64! 1\n");
  EXPECT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.error.find("line 2"), std::string::npos) << corrupt.error;
  const load_result partial = encoding::from_ranks("r50k_base", "IQ== 0\n");
  EXPECT_FALSE(partial.ok());
  EXPECT_NE(partial.error.find("has no rank"), std::string::npos) << partial.error;
}

TEST(models, encoding_for_model) {
  EXPECT_EQ(encoding_name_for_model("gpt-4o"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4o-2024-08-06"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4o-mini"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("chatgpt-4o-latest"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4.1-mini-2025-04-14"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-5-mini"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("o1"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("o3-mini-2025-01-31"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("o4-mini"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-oss-120b"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4-0613"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-4-turbo-2024-04-09"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-3.5-turbo"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("gpt-35-turbo-16k"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("text-embedding-3-small"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("text-embedding-ada-002"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("ft:gpt-4o-mini:org::abc"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model("ft:gpt-3.5-turbo-0613:org::abc"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("davinci-002"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("text-davinci-003"), "p50k_base");
  EXPECT_EQ(encoding_name_for_model("code-davinci-002"), "p50k_base");
  EXPECT_EQ(encoding_name_for_model("text-davinci-edit-001"), "p50k_edit");
  EXPECT_EQ(encoding_name_for_model("davinci"), "r50k_base");
  EXPECT_EQ(encoding_name_for_model("gpt2"), "r50k_base");
  EXPECT_EQ(encoding_name_for_model("openai/gpt-4-0613"), "cl100k_base");
  EXPECT_EQ(encoding_name_for_model("llama-3-70b"), "o200k_base");
  EXPECT_EQ(encoding_name_for_model(""), "o200k_base");
  ASSERT_NE(encoding_for_model("gpt-4"), nullptr);
  EXPECT_EQ(encoding_for_model("gpt-4"), encoding_for_model("gpt-3.5-turbo"));  // cached, shared
  EXPECT_EQ(encoding_for_model("gpt-4")->name(), "cl100k_base");
}

// The OpenAI cookbook's example (How_to_count_tokens_with_tiktoken.ipynb, section 6), whose
// counts the notebook checked against the API.
std::vector<chat_message> cookbook_messages() {
  return {
      {"system",
       "You are a helpful, pattern-following assistant that translates corporate jargon into plain "
       "English.",
       std::nullopt},
      {"system", "New synergies will help drive top-line growth.", "example_user"},
      {"system", "Things working well together will increase revenue.", "example_assistant"},
      {"system",
       "Let's circle back when we have more bandwidth to touch base on opportunities for increased "
       "leverage.",
       "example_user"},
      {"system", "Let's talk later when we're less busy about how to do better.", "example_assistant"},
      {"user",
       "This late pivot means we don't have time to boil the ocean for the client deliverable.",
       std::nullopt},
  };
}

TEST(chat, cookbook_example_counts) {
  const auto m = cookbook_messages();
  EXPECT_EQ(count_chat_prompt("gpt-3.5-turbo-0125", m), 129);
  EXPECT_EQ(count_chat_prompt("gpt-4-0613", m), 129);
  EXPECT_EQ(count_chat_prompt("gpt-4", m), 129);
  EXPECT_EQ(count_chat_prompt("gpt-4o", m), 124);
  EXPECT_EQ(count_chat_prompt("gpt-4o-mini-2024-07-18", m), 124);
  // Legacy 0301: 4 per message, a name replaces the role (-1): 129 + 6 - 4*2 = 127.
  EXPECT_EQ(count_chat_prompt("gpt-3.5-turbo-0301", m), 127);
}

TEST(chat, rules) {
  const encoding& e = enc("o200k_base");
  EXPECT_EQ(count_chat_prompt(e, chat_rules{}, {}), 3);
  const chat_message one[] = {{"user", "", std::nullopt}};
  EXPECT_EQ(count_chat_prompt(e, chat_rules{}, one), 3 + 1 + 0 + 3);
  const chat_message named[] = {{"user", "hi", "bob"}};
  EXPECT_EQ(count_chat_prompt(e, chat_rules{}, named),
            3 + 1 + 1 + static_cast<int64_t>(e.count("bob")) + 1 + 3);
}

}  // namespace
}  // namespace llmtap::tokenizer::test
