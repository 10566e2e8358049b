// Sampling decisions, redaction and UTF-8-safe truncation of the prompt/completion samples.
#include "pipeline/sampling.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::pipeline {
namespace {

exchange chat_call(std::string request, std::string response) {
  exchange x;
  x.ep = endpoint::chat_completions;
  x.request_body.bytes = std::move(request);
  x.response_body.bytes = std::move(response);
  x.trace.trace_id_lo = 12345;
  return x;
}

TEST(sampling, rate_rule_matches_datadogs_rate_sampler) {
  // (id * 1111111111111111111) mod 2^64 <= rate * 2^64, as dd-trace's RateSampler keeps traces.
  EXPECT_TRUE(sampled_at_rate(0, 0.1));
  EXPECT_FALSE(sampled_at_rate(1, 0.0));
  EXPECT_TRUE(sampled_at_rate(~0ull, 1.0));
  const uint64_t kept = 1;  // 1111111111111111111 / 2^64 = 0.0602...: kept at 10%, not at 5%
  EXPECT_TRUE(sampled_at_rate(kept, 0.1));
  EXPECT_FALSE(sampled_at_rate(kept, 0.05));
  int n = 0;
  for (uint64_t id = 1; id <= 100'000; ++id) n += sampled_at_rate(id * 7919, 0.1);
  EXPECT_NEAR(n, 10'000, 400);  // about 10% of ids, and the same ids every time
}

TEST(sampling, unsampled_calls_carry_no_text) {
  sampling_options o;
  o.rate = 0;
  sampler s(o);
  exchange x = chat_call(R"({"model":"gpt-4o","messages":[{"role":"user","content":"secret plan"}]})",
                         R"({"choices":[{"index":0,"message":{"role":"assistant","content":"ok"}}]})");
  s.apply(x);
  EXPECT_FALSE(x.sampled);
  EXPECT_TRUE(x.sample_input.empty());
  EXPECT_TRUE(x.sample_output.empty());
}

TEST(sampling, client_that_dropped_the_trace_is_not_sampled) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x = chat_call(R"({"messages":[{"role":"user","content":"hi"}]})", "{}");
  x.trace.sampling_priority = 0;
  s.apply(x);
  EXPECT_FALSE(x.sampled);
}

TEST(sampling, chat_messages_and_choices_are_kept_redacted) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x = chat_call(
      R"({"model":"gpt-4o","messages":[{"role":"system","content":"key sk-proj-abcdefghijklmnopqrstuv"},)"
      R"({"role":"user","content":"mail ann@example.com, card 4111 1111 1111 1111, Authorization: Bearer abc.def.ghi123"}]})",
      R"({"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"order 4111111111111112 noted"},"finish_reason":"stop"}],"usage":{}})");
  s.apply(x);
  ASSERT_TRUE(x.sampled);
  EXPECT_EQ(x.sample_input,
            R"([{"content":"key [REDACTED_API_KEY]","role":"system"},)"
            R"({"content":"mail [REDACTED_EMAIL], card [REDACTED_CARD], Authorization: Bearer [REDACTED_TOKEN]","role":"user"}])");
  // 4111111111111112 fails the Luhn check: an order number, not a card, is left alone.
  EXPECT_EQ(x.sample_output,
            R"([{"finish_reason":"stop","index":0,"message":{"content":"order 4111111111111112 noted","role":"assistant"}}])");
}

TEST(sampling, user_patterns_and_switching_builtin_off) {
  sampling_options o;
  o.rate = 1;
  o.redact = false;
  o.patterns = {R"(\bACCT-\d+\b)"};
  sampler s(o);
  exchange x = chat_call(R"({"messages":[{"role":"user","content":"ACCT-991 for ann@example.com"}]})", "{}");
  s.apply(x);
  EXPECT_EQ(x.sample_input, R"([{"content":"[REDACTED] for ann@example.com","role":"user"}])");
}

TEST(sampling, bad_user_pattern_names_itself) {
  try {
    redactor r(false, {"(unclosed"});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("\"(unclosed\""), std::string::npos) << e.what();
  }
}

TEST(sampling, streamed_chat_is_rebuilt_from_deltas) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x = chat_call(R"({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]})", "");
  x.stream = true;
  x.events[0] = R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})";
  x.event_count = 4;
  x.stream_content.bytes = std::string(R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})") + kRecordSeparator +
                           R"({"choices":[{"index":0,"delta":{"content":"lo"}}]})" + kRecordSeparator +
                           R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})" + kRecordSeparator;
  s.apply(x);
  EXPECT_EQ(x.sample_output,
            R"([{"finish_reason":"stop","index":0,"message":{"content":"Hello","role":"assistant"}}])");
}

// Tool calls arrive in pieces across chunks (name first, arguments in fragments), several
// choices interleave, a compacted chunk ({"choices":...}) and an escaped string mix with whole
// ones, and a chunk with a broken byte is mended rather than dropped.
TEST(sampling, streamed_tool_calls_and_choices_are_rebuilt_from_fragments) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x = chat_call(R"({"model":"gpt-4o","stream":true,"n":2,"messages":[{"role":"user","content":"hi"}]})", "");
  x.stream = true;
  x.event_count = 6;
  const std::string head = R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o",)";
  x.stream_content.bytes =
      head + R"("choices":[{"index":0,"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]}}]})" +
      kRecordSeparator + R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}},{"index":1,"delta":{"content":"Ol\u00e1 \"x\""}}]})" +
      kRecordSeparator + R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}}]})" +
      kRecordSeparator + "{\"choices\":[{\"index\":1,\"delta\":{\"content\":\" \xff!\"}}]}" +
      kRecordSeparator + R"({"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"},{"index":1,"delta":{},"finish_reason":"stop"}]})" +
      kRecordSeparator;
  s.apply(x);
  EXPECT_EQ(x.sample_output,
            R"([{"finish_reason":"tool_calls","index":0,"message":{"content":"","role":"assistant","tool_calls":[{"function":{"arguments":"{\"city\":\"Paris\"}","name":"get_weather"},"id":"call_1"}]}},)"
            R"({"finish_reason":"stop","index":1,"message":{"content":"Olá \"x\" )" "\xEF\xBF\xBD" R"(!","role":"assistant"}}])");
}

// The built-in patterns are skipped when a string cannot hold their match; they still find
// every kind when it can, in any order and several in one string.
TEST(sampling, redaction_finds_every_kind_and_leaves_plain_text_alone) {
  redactor r(true, {});
  std::string plain = "Nothing to see here: 42 apples, 7 pears, at noon.";
  EXPECT_EQ(r.apply(plain), 0u);
  EXPECT_EQ(plain, "Nothing to see here: 42 apples, 7 pears, at noon.");
  std::string all = "mail ann@example.com, key sk-abcdefghijklmnop1234, BEARER abcdefgh12345678, "
                    "aws AKIAABCDEFGHIJKLMNOP, card 4111 1111 1111 1111";
  EXPECT_EQ(r.apply(all), 5u);
  EXPECT_EQ(all, "mail [REDACTED_EMAIL], key [REDACTED_API_KEY], Bearer [REDACTED_TOKEN], "
                 "aws [REDACTED_API_KEY], card [REDACTED_CARD]");
  std::string not_a_card = "order 4111 1111 1111 1112";  // 16 digits, fails the Luhn check
  EXPECT_EQ(r.apply(not_a_card), 0u);
}

// The cheap tests before each pattern look at 16 bytes at a time and sum digits every 128: a
// match is still found wherever it sits, across those boundaries and at either end.
TEST(sampling, redaction_finds_matches_at_every_offset) {
  redactor r(true, {});
  for (size_t pad = 0; pad < 300; pad += (pad < 40 ? 1 : 7)) {
    const std::string before(pad, 'x'), after(pad % 23, 'y');
    std::string bearer = before + " BeArEr abcdefgh12345678" + after;
    EXPECT_EQ(r.apply(bearer), 1u) << pad;
    std::string card = before + " 4111 1111 1111 1111" + after;
    EXPECT_EQ(r.apply(card), 1u) << pad;
    std::string key = before + " sk-abcdefghijklmnop1234" + after;
    EXPECT_EQ(r.apply(key), 1u) << pad;
  }
  std::string at_end = "token: Bearer abcdefgh";  // "Bearer" then 8 token bytes, ending the text
  EXPECT_EQ(r.apply(at_end), 1u);
  EXPECT_FALSE(r.may_change("scattered 1 2 3 4 5 6 7 8 9, twelve 1 2 3: nothing to redact"));
  EXPECT_TRUE(r.may_change("digits: 1 2 3 4 5 6 7 8 9 1 2 3 4, thirteen of them"));
  EXPECT_TRUE(redactor(false, {"x"}).may_change("any text: user patterns always run"));
}

TEST(sampling, responses_stream_uses_the_terminal_event) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x;
  x.ep = endpoint::responses;
  x.trace.trace_id_lo = 1;
  x.request_body.bytes = R"({"model":"gpt-4o","instructions":"be brief","input":"hello"})";
  x.stream = true;
  x.stream_content.bytes =
      std::string(R"({"type":"response.output_text.delta","delta":"Hi"})") + kRecordSeparator +
      R"({"type":"response.completed","response":{"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}]}})" +
      kRecordSeparator;
  s.apply(x);
  EXPECT_EQ(x.sample_input, R"([{"content":"be brief","role":"system"},{"content":"hello","role":"user"}])");
  EXPECT_EQ(x.sample_output, R"([{"content":[{"text":"Hi","type":"output_text"}],"role":"assistant","type":"message"}])");
}

TEST(sampling, truncation_never_splits_a_character) {
  std::string s = "ab\xC3\xA9\xC3\xA9";  // "abéé": é is two bytes
  truncate_utf8(s, 3);                     // 3 bytes would cut the first é in half
  EXPECT_EQ(s, "ab...");
  std::string emoji = "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";
  truncate_utf8(emoji, 5);
  EXPECT_EQ(emoji, "\xF0\x9F\x98\x80...");
  std::string short_one = "fine";
  truncate_utf8(short_one, 10);
  EXPECT_EQ(short_one, "fine");
}

TEST(sampling, invalid_utf8_becomes_replacement_characters) {
  std::string s = "ok\xFF\xC3";
  truncate_utf8(s, 100);
  EXPECT_EQ(s, "ok\xEF\xBF\xBD\xEF\xBF\xBD");
  sampling_options o;
  o.rate = 1;
  sampler smp(o);
  exchange x = chat_call("{\"messages\":[{\"role\":\"user\",\"content\":\"bad \xFF byte\"}]}", "{}");
  smp.apply(x);
  EXPECT_EQ(x.sample_input, "[{\"content\":\"bad \xEF\xBF\xBD byte\",\"role\":\"user\"}]");
}

TEST(sampling, long_strings_are_cut_at_max_chars) {
  sampling_options o;
  o.rate = 1;
  o.max_chars = 16;
  sampler s(o);
  exchange x = chat_call(R"({"messages":[{"role":"user","content":"0123456789abcdefghijklmnop"}]})", "{}");
  s.apply(x);
  EXPECT_EQ(x.sample_input, R"([{"content":"0123456789abcdef...","role":"user"}])");
}

TEST(sampling, truncated_capture_gives_no_input_rather_than_a_broken_one) {
  sampling_options o;
  o.rate = 1;
  sampler s(o);
  exchange x = chat_call(R"({"messages":[{"role":"user","content":"cut)", "{}");
  x.request_body.truncated = true;
  s.apply(x);
  EXPECT_TRUE(x.sampled);
  EXPECT_TRUE(x.sample_input.empty());
}

}  // namespace
}  // namespace llmtap::pipeline
