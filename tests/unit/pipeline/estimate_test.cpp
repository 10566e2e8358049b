#include "pipeline/estimate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pipeline/pipeline.h"
#include "tokenizer/chat.h"
#include "tokenizer/models.h"

namespace llmtap::pipeline {
namespace {

const tokenizer::encoding& o200k() {
  std::string err;
  const auto* e = tokenizer::get_encoding("o200k_base", &err);
  if (!e) throw std::runtime_error(err);
  return *e;
}

int64_t count(std::string_view s) { return static_cast<int64_t>(o200k().count(s)); }

exchange chat_call() {
  exchange x;
  x.ep = endpoint::chat_completions;
  x.status = 200;
  x.request_body.bytes =
      R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"You are terse."},)"
      R"({"role":"user","name":"ann","content":[{"type":"text","text":"Say hello."}]}]})";
  return x;
}

int64_t expected_prompt() {
  // 3 per message + role + content, +1 and the name for a named message, +3 reply priming.
  return 3 + count("system") + count("You are terse.") + 3 + count("user") + count("Say hello.") + 1 +
         count("ann") + 3;
}

TEST(EstimateUsage, ChatWithoutUsageInTheBody) {
  exchange x = chat_call();
  x.response_body.bytes =
      R"({"object":"chat.completion","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, friend!"},"finish_reason":"stop"}]})";
  pipeline::enrich(x);
  EXPECT_EQ(x.usage.source, usage_source::estimated);
  EXPECT_EQ(x.usage.input_tokens, expected_prompt());
  // The chat rule for this model must match the tokenizer's own counter.
  std::vector<tokenizer::chat_message> msgs{{"system", "You are terse.", std::nullopt},
                                            {"user", "Say hello.", std::string_view("ann")}};
  EXPECT_EQ(x.usage.input_tokens, *tokenizer::count_chat_prompt("gpt-4o-mini", msgs));
  EXPECT_EQ(x.usage.output_tokens, count("Hello there, friend!"));
  EXPECT_EQ(x.usage.total_tokens, x.usage.input_tokens + x.usage.output_tokens);
}

TEST(EstimateUsage, InterruptedChatStreamCountsTheReceivedText) {
  exchange x = chat_call();
  x.stream = true;
  for (const char* d : {"Hel", "lo, wor", "ld"}) {
    x.stream_content.bytes += std::string(R"({"choices":[{"index":0,"delta":{"content":")") + d + R"("}}]})";
    x.stream_content.bytes += kRecordSeparator;
  }
  x.stream_content.bytes += R"({"choices":[{"index":0,"delta":{"content":"!!)";  // cut mid-event
  EXPECT_TRUE(estimate_usage(x));
  EXPECT_EQ(x.usage.input_tokens, expected_prompt());
  EXPECT_EQ(x.usage.output_tokens, count("Hello, world"));
}

TEST(EstimateUsage, ResponsesStreamAndCompletions) {
  exchange r;
  r.ep = endpoint::responses;
  r.model_requested = "gpt-4.1";
  r.status = 200;
  r.stream = true;
  r.request_body.bytes = R"({"model":"gpt-4.1","instructions":"Be brief.","input":"Hi there"})";
  r.stream_content.bytes = std::string(R"({"type":"response.output_text.delta","delta":"Good "})") + kRecordSeparator +
                           R"({"type":"response.output_text.delta","delta":"day"})" + kRecordSeparator;
  EXPECT_TRUE(estimate_usage(r));
  EXPECT_EQ(r.usage.input_tokens, count("Be brief.") + count("Hi there"));
  EXPECT_EQ(r.usage.output_tokens, count("Good day"));

  exchange c;
  c.ep = endpoint::completions;
  c.model_requested = "gpt-3.5-turbo-instruct";  // a cl100k_base model
  c.status = 200;
  c.request_body.bytes = R"({"model":"gpt-3.5-turbo-instruct","prompt":["one two","three"]})";
  c.response_body.bytes = R"({"choices":[{"text":" four five","index":0}]})";
  EXPECT_TRUE(estimate_usage(c));
  const auto* cl = tokenizer::get_encoding("cl100k_base");
  ASSERT_NE(cl, nullptr);
  EXPECT_EQ(c.usage.input_tokens, static_cast<int64_t>(cl->count("one two") + cl->count("three")));
  EXPECT_EQ(tokenizer::encoding_name_for_model(c.model_requested), "cl100k_base");
  EXPECT_EQ(c.usage.output_tokens, static_cast<int64_t>(cl->count(" four five")));
}

TEST(EstimateUsage, NeverOverReportedUsageOrErrors) {
  exchange x = chat_call();
  x.usage.source = usage_source::reported;
  x.usage.input_tokens = 7;
  EXPECT_FALSE(estimate_usage(x));
  EXPECT_EQ(x.usage.input_tokens, 7);

  exchange e = chat_call();
  e.status = 429;
  EXPECT_FALSE(estimate_usage(e));
  EXPECT_EQ(e.usage.source, usage_source::none);

  exchange t = chat_call();
  t.request_body.truncated = true;  // a prompt we did not see whole is not guessed
  t.response_body.bytes = R"({"choices":[{"message":{"content":"ok"}}]})";
  EXPECT_TRUE(estimate_usage(t));
  EXPECT_EQ(t.usage.input_tokens, -1);
  EXPECT_EQ(t.usage.output_tokens, count("ok"));
  EXPECT_EQ(t.usage.total_tokens, -1);
}

}  // namespace
}  // namespace llmtap::pipeline
