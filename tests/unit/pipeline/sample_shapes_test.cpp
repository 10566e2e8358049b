// The shape of the samples for each endpoint and odd body: what is kept, what is left out, and
// when a side has no sample at all.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "pipeline/sampling.h"

namespace llmtap::pipeline {
namespace {

exchange call(endpoint ep, std::string request, std::string response) {
  exchange x;
  x.ep = ep;
  x.request_body.bytes = std::move(request);
  x.response_body.bytes = std::move(response);
  x.trace.trace_id_lo = 1;
  return x;
}

// A stream: the payloads as the worker keeps them (each followed by the record separator).
exchange stream_call(endpoint ep, std::string request, std::initializer_list<std::string> events) {
  exchange x = call(ep, std::move(request), "");
  x.stream = true;
  for (const auto& e : events) x.stream_content.bytes += e + kRecordSeparator;
  x.event_count = static_cast<uint32_t>(events.size());
  return x;
}

std::pair<std::string, std::string> sample(exchange x, size_t max_chars = 4096) {
  sampling_options o;
  o.rate = 1;
  o.max_chars = max_chars;
  sampler s(o);
  s.apply(x);
  EXPECT_TRUE(x.sampled);
  return {x.sample_input, x.sample_output};
}

TEST(sample_shapes, completions_prompt_and_choices) {
  auto [in, out] = sample(call(endpoint::completions, R"({"model":"m","prompt":"Say hi"})",
                               R"({"choices":[{"text":"hi","index":0,"logprobs":null,)"
                               R"("finish_reason":"length"},"not an object"]})"));
  EXPECT_EQ(in, R"(["Say hi"])");
  EXPECT_EQ(out, R"([{"finish_reason":"length","index":0,"text":"hi"},{}])");
}

TEST(sample_shapes, embeddings_and_moderations_keep_the_input_only) {
  auto [in, out] = sample(call(endpoint::embeddings, R"({"input":["a","b"]})", R"({"data":[]})"));
  EXPECT_EQ(in, R"(["a","b"])");
  EXPECT_EQ(out, "");
  std::tie(in, out) = sample(call(endpoint::moderations, R"({"input":"x"})", R"({"results":[]})"));
  EXPECT_EQ(in, R"(["x"])");
  EXPECT_EQ(out, "");
}

TEST(sample_shapes, images_keep_urls_and_say_returned_for_base64) {
  const std::string resp =
      R"({"data":[{"url":"https://x/1.png","revised_prompt":"p"},{"b64_json":"AAAA"},)"
      R"({"revised_prompt":"neither"},7,{"url":null,"b64_json":"BBBB"}]})";
  auto [in, out] = sample(call(endpoint::images_generations, R"({"prompt":"a cat","n":2})", resp));
  EXPECT_EQ(in, R"(["a cat"])");
  EXPECT_EQ(out, R"([{"url":"https://x/1.png"},{"b64_json":"returned"},{"url":null}])");
  // Edits are multipart: no prompt sample, the same results. Even "returned" is cut to max_chars.
  std::tie(in, out) = sample(call(endpoint::images_edits, "--boundary\r\n...", resp), 4);
  EXPECT_EQ(in, "");
  EXPECT_EQ(out, R"([{"url":"http..."},{"b64_json":"retu..."},{"url":null}])");
}

TEST(sample_shapes, audio_text_as_a_list) {
  auto [in, out] = sample(call(endpoint::audio_transcriptions, "multipart", R"({"text":"hello"})"));
  EXPECT_EQ(in, "");
  EXPECT_EQ(out, R"(["hello"])");
  std::tie(in, out) = sample(call(endpoint::audio_translations, "", R"({"text":null})"));
  EXPECT_EQ(out, "[]");
  std::tie(in, out) = sample(call(endpoint::audio_speech, R"({"input":"say"})", "binary"));
  EXPECT_EQ(in, "");
  EXPECT_EQ(out, "");
}

TEST(sample_shapes, responses_input_with_instructions_and_items) {
  auto [in, out] = sample(call(
      endpoint::responses,
      R"({"instructions":"be brief","input":[{"role":"user","content":[{"type":"input_text","text":"hi"}]}]})",
      R"({"id":"r","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"yo","annotations":[]}]}]})"));
  EXPECT_EQ(
      in,
      R"([{"content":"be brief","role":"system"},{"content":[{"text":"hi","type":"input_text"}],"role":"user"}])");
  EXPECT_EQ(
      out,
      R"([{"content":[{"annotations":[],"text":"yo","type":"output_text"}],"role":"assistant","type":"message"}])");
  // Instructions that are not a string and no input: an empty list. An output of null: none.
  std::tie(in, out) = sample(
      call(endpoint::responses, R"({"instructions":null,"model":"m"})", R"({"output":null})"));
  EXPECT_EQ(in, "[]");
  EXPECT_EQ(out, "");
}

TEST(sample_shapes, chat_bodies_of_odd_shapes) {
  // messages null: an empty list; a single object: a list of it; the last of duplicate keys.
  EXPECT_EQ(sample(call(endpoint::chat_completions, R"({"messages":null})", "{}")).first, "[]");
  EXPECT_EQ(sample(call(endpoint::chat_completions, R"({"messages":{"role":"user"}})", "{}")).first,
            R"([{"role":"user"}])");
  EXPECT_EQ(sample(call(endpoint::chat_completions, R"({"messages":["a"],"messages":["b"]})", "{}"))
                .first,
            R"(["b"])");
  // Not an object, not JSON: no input; choices that are not a list: no output.
  auto [in, out] = sample(call(endpoint::chat_completions, "[1,2]", R"({"choices":{"a":1}})"));
  EXPECT_EQ(in, "");
  EXPECT_EQ(out, "");
  std::tie(in, out) = sample(call(endpoint::chat_completions, "not json", R"({"choices":[]})"));
  EXPECT_EQ(in, "");
  EXPECT_EQ(out, "[]");
}

TEST(sample_shapes, bodies_nlohmann_accepted_are_still_sampled) {
  // A leading byte order mark, and integers beyond 64 bits: read as doubles, printed with
  // nlohmann's digits (not always the shortest: ...569e+23 where ...568e+23 would do).
  auto [in, out] = sample(call(endpoint::chat_completions,
                               "\xEF\xBB\xBF{\"messages\":[{\"n\":123456789012345678901234}]}",
                               R"({"choices":[{"index":18446744073709551616}]})"));
  EXPECT_EQ(in, R"([{"n":1.2345678901234569e+23}])");
  EXPECT_EQ(out, R"([{"index":1.8446744073709552e+19}])");
}

TEST(sample_shapes, streamed_completions_with_a_gap_in_the_choices) {
  auto [in, out] = sample(
      stream_call(endpoint::completions, R"({"prompt":["a","b"],"n":3})",
                  {R"({"choices":[{"index":2,"text":"Hel"}]})",
                   R"({"choices":[{"text":"lo","index":2,"finish_reason":"stop"}]})", "[DONE]"}));
  EXPECT_EQ(in, R"(["a","b"])");
  EXPECT_EQ(
      out,
      R"([{"finish_reason":null,"index":0,"text":""},{"finish_reason":null,"index":1,"text":""},)"
      R"({"finish_reason":"stop","index":2,"text":"Hello"}])");
}

// A chunk is used only when it is whole JSON: one cut short is skipped entirely. (Before the DOM
// parser, the on-demand reader used the fields it got to before the error: "abc" here.)
TEST(sample_shapes, streamed_chat_skips_what_is_not_json_and_keeps_a_new_role) {
  auto [in, out] =
      sample(stream_call(endpoint::chat_completions, R"({"messages":[]})",
                         {R"({"choices":[{"index":0,"delta":{"role":"tool","content":"a"}}]})",
                          R"({"choices":[{"index":0,"delta":{"content":"b"}})",  // cut short
                          R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"c"}}]})",
                          R"({"choices":[],"usage":{"total_tokens":3}})", "[DONE]"}));
  EXPECT_EQ(in, "[]");
  EXPECT_EQ(out, R"([{"finish_reason":null,"index":0,"message":{"content":"ac","role":"tool"}}])");
}

// Invalid UTF-8 in one chunk is mended (U+FFFD) in that chunk; the others are read as they are.
TEST(sample_shapes, streamed_chat_mends_invalid_utf8_in_one_chunk) {
  auto [in, out] =
      sample(stream_call(endpoint::chat_completions, R"({"messages":[]})",
                         {R"({"choices":[{"index":0,"delta":{"role":"assistant","content":"a"}}]})",
                          "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\xff\"}}]}",
                          R"({"choices":[{"index":0,"delta":{"content":"c"},"finish_reason":"stop"}]})",
                          "[DONE]"}));
  EXPECT_EQ(out,
            "[{\"finish_reason\":\"stop\",\"index\":0,\"message\":{\"content\":\"a"
            "b\xEF\xBF\xBD"
            "c\",\"role\":\"assistant\"}}]");
}

TEST(sample_shapes, streamed_responses_without_a_terminal_event) {
  auto [in, out] = sample(stream_call(endpoint::responses, R"({"input":"hi"})",
                                      {R"({"type":"response.created","response":{"output":[]}})",
                                       R"({"type":"response.output_text.delta","delta":"Hel"})",
                                       R"({"type":"response.output_text.delta","delta":"lo"})"}));
  EXPECT_EQ(in, R"([{"content":"hi","role":"user"}])");
  EXPECT_EQ(
      out,
      R"([{"content":[{"text":"Hello","type":"output_text"}],"role":"assistant","type":"message"}])");
  // A terminal event whose output is null counts as none; no text either: an empty list.
  std::tie(in, out) = sample(stream_call(
      endpoint::responses, "{}", {R"({"type":"response.failed","response":{"output":null}})"}));
  EXPECT_EQ(out, "[]");
  // The last terminal event wins.
  std::tie(in, out) = sample(
      stream_call(endpoint::responses, "{}",
                  {R"({"type":"response.incomplete","response":{"output":[1]}})",
                   R"({"type":"response.completed","response":{"output":[{"b":2,"a":1}]}})"}));
  EXPECT_EQ(out, R"([{"a":1,"b":2}])");
}

TEST(sample_shapes, streams_of_other_endpoints_have_no_output) {
  exchange x = stream_call(endpoint::embeddings, R"({"input":"x"})", {R"({"a":1})"});
  auto [in, out] = sample(std::move(x));
  EXPECT_EQ(in, R"(["x"])");
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace llmtap::pipeline
