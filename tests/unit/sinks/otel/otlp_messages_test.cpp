// Sampled content in the conventions' shapes: chat and Responses messages as role + parts
// (tool calls, tool results, images, reasoning, finish reasons), the pre-1.37 events with their
// structured bodies, and the content log records, only for sampled calls with capture on.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "otlp_fixtures.h"
#include "sinks/otel/otlp_messages.h"

namespace llmtap::sinks::otlp {
namespace {

using json = nlohmann::json;
using test::attrs;

exchange sampled_chat() {
  exchange x = test::streamed_chat();
  x.sampled = true;
  x.sample_input =
      R"([{"role":"system","content":"be brief"},)"
      R"({"role":"user","content":[{"type":"text","text":"what is this?"},)"
      R"({"type":"image_url","image_url":{"url":"https://example.com/cat.png"}},)"
      R"({"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0K"}}]},)"
      R"({"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",)"
      R"("function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}]},)"
      R"({"role":"tool","tool_call_id":"call_1","content":"a cat"}])";
  x.sample_output =
      R"([{"index":0,"message":{"role":"assistant","content":"A cat."},"finish_reason":"stop"},)"
      R"({"index":1,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_2",)"
      R"("type":"function","function":{"name":"zoom","arguments":"{\"x\":2"}}]},"finish_reason":"tool_calls"}])";
  return x;
}

TEST(OtlpMessages, ChatMessagesAsRolesAndParts) {
  const exchange x = sampled_chat();
  EXPECT_EQ(json::parse(input_messages(x)), json::parse(R"([
    {"role":"system","parts":[{"type":"text","content":"be brief"}]},
    {"role":"user","parts":[{"type":"text","content":"what is this?"},
      {"type":"uri","modality":"image","uri":"https://example.com/cat.png"},
      {"type":"blob","modality":"image","mime_type":"image/png","content":"iVBORw0K"}]},
    {"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"lookup","arguments":{"q":"cat"}}]},
    {"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"a cat"}]}])"));
  // A cut argument string stays text; OpenAI's tool_calls is the conventions' tool_call.
  EXPECT_EQ(json::parse(output_messages(x)), json::parse(R"([
    {"role":"assistant","parts":[{"type":"text","content":"A cat."}],"finish_reason":"stop"},
    {"role":"assistant","parts":[{"type":"tool_call","id":"call_2","name":"zoom","arguments":"{\"x\":2"}],
     "finish_reason":"tool_call"}])"));
}

TEST(OtlpMessages, ResponsesItemsMakeOneAssistantMessage) {
  exchange x = test::streamed_chat();
  x.ep = endpoint::responses;
  x.sampled = true;
  x.finish_reason = "completed";  // the Responses status
  x.sample_input =
      R"([{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"input_text","text":"weather?"}]},)"
      R"({"type":"function_call_output","call_id":"fc_1","output":"rain"}])";
  x.sample_output =
      R"([{"type":"reasoning","summary":[{"type":"summary_text","text":"look it up"}]},)"
      R"({"type":"message","role":"assistant","content":[{"type":"output_text","text":"Rain."}]},)"
      R"({"type":"web_search_call","status":"completed"}])";
  EXPECT_EQ(json::parse(input_messages(x)), json::parse(R"([
    {"role":"system","parts":[{"type":"text","content":"be brief"}]},
    {"role":"user","parts":[{"type":"text","content":"weather?"}]},
    {"role":"tool","parts":[{"type":"tool_call_response","id":"fc_1","response":"rain"}]}])"));
  EXPECT_EQ(json::parse(output_messages(x)), json::parse(R"([{"role":"assistant","parts":[
    {"type":"reasoning","content":"look it up"},{"type":"text","content":"Rain."},{"type":"web_search_call"}],
    "finish_reason":"stop"}])"));
}

TEST(OtlpMessages, CompletionsPromptsAndNoContentOutsideInference) {
  exchange x;
  x.ep = endpoint::completions;
  x.sampled = true;
  x.sample_input = R"(["Say this is a test"])";
  x.sample_output = R"([{"index":0,"text":"This is a test.","finish_reason":"length"}])";
  EXPECT_EQ(input_messages(x),
            R"([{"parts":[{"content":"Say this is a test","type":"text"}],"role":"user"}])");
  EXPECT_EQ(
      output_messages(x),
      R"([{"finish_reason":"length","parts":[{"content":"This is a test.","type":"text"}],"role":"assistant"}])");
  x.ep = endpoint::embeddings;  // the conventions define no content for embeddings
  EXPECT_EQ(input_messages(x), "");
  x.ep = endpoint::completions;
  x.sampled = false;  // never without the pipeline's sampling decision
  EXPECT_EQ(input_messages(x), "");
  EXPECT_TRUE(legacy_events(x).empty());
}

TEST(OtlpMessages, PreV137EventsCarryTheMessageBodies) {
  auto events = legacy_events(sampled_chat());
  ASSERT_EQ(events.size(), 6u);
  EXPECT_EQ(events[0].name, "gen_ai.system.message");
  EXPECT_EQ(events[0].body, json::parse(R"({"content":"be brief"})"));
  EXPECT_EQ(events[1].name, "gen_ai.user.message");
  EXPECT_EQ(events[1].body["content"][0]["text"], "what is this?");  // the content as sent
  EXPECT_EQ(events[2].name, "gen_ai.assistant.message");
  EXPECT_EQ(events[2].body["tool_calls"], json::parse(R"([{"id":"call_1","type":"function",
    "function":{"name":"lookup","arguments":"{\"q\":\"cat\"}"}}])"));
  EXPECT_EQ(events[3].name, "gen_ai.tool.message");
  EXPECT_EQ(events[3].body, json::parse(R"({"content":"a cat","id":"call_1"})"));
  EXPECT_EQ(events[4].name, "gen_ai.choice");
  EXPECT_EQ(events[4].body,
            json::parse(R"({"index":0,"finish_reason":"stop","message":{"content":"A cat."}})"));
  EXPECT_EQ(events[5].body["finish_reason"], "tool_calls");  // v1.36's enum spells it so
  EXPECT_EQ(events[5].body["tool_calls"][0]["function"]["arguments"], "{\"x\":2");
}

TEST(OtlpContentLogs, OnlySampledCallsWithCaptureOn) {
  exchange x = sampled_chat();
  encode_options o;
  pb_logs::ScopeLogs none;
  EXPECT_EQ(append_content_logs(none, x, o), 0);  // capture_content is off
  o.capture_content = true;
  exchange unsampled = x;
  unsampled.sampled = false;
  EXPECT_EQ(append_content_logs(none, unsampled, o), 0);
  EXPECT_EQ(none.log_records_size(), 0);

  pb_logs::ScopeLogs logs;
  ASSERT_EQ(append_content_logs(logs, x, o), 1);
  const auto& r = logs.log_records(0);
  auto a = attrs(r);
  EXPECT_EQ(a["event.name"]->string_value(), "gen_ai.client.inference.operation.details");
  EXPECT_EQ(a["gen_ai.provider.name"]->string_value(), "openai");
  EXPECT_EQ(a["gen_ai.request.model"]->string_value(), "gpt-4o");
  EXPECT_EQ(json::parse(a["gen_ai.input.messages"]->string_value()),
            json::parse(input_messages(x)));
  EXPECT_EQ(json::parse(a["gen_ai.output.messages"]->string_value()),
            json::parse(output_messages(x)));
  EXPECT_EQ(r.trace_id(), trace_id_bytes(x.trace));
  EXPECT_EQ(r.span_id(), span_id_bytes(x.trace.span_id));
  EXPECT_EQ(r.time_unix_nano(), 1'700'000'000'400'000'000u);
  EXPECT_EQ(r.flags(), 1u);

  pb_trace::ScopeSpans spans;
  append_span(spans, x, o);
  auto sa = attrs(spans.spans(0));
  EXPECT_EQ(sa["gen_ai.input.messages"]->string_value(), input_messages(x));
  EXPECT_EQ(sa["gen_ai.output.messages"]->string_value(), output_messages(x));

  ASSERT_TRUE(parse_semconv("1.36", o.version));
  pb_logs::ScopeLogs old;
  ASSERT_EQ(append_content_logs(old, x, o), 6);
  EXPECT_EQ(attrs(old.log_records(4))["event.name"]->string_value(), "gen_ai.choice");
  EXPECT_EQ(attrs(old.log_records(4))["gen_ai.system"]->string_value(), "openai");
  const auto& body = old.log_records(4).body().kvlist_value();  // a map, not a JSON string
  std::map<std::string, const pb_common::AnyValue*> fields;
  for (const auto& kv : body.values()) fields[kv.key()] = &kv.value();
  EXPECT_EQ(fields["index"]->int_value(), 0);
  EXPECT_EQ(fields["finish_reason"]->string_value(), "stop");
  EXPECT_EQ(fields["message"]->kvlist_value().values(0).value().string_value(), "A cat.");
  pb_trace::ScopeSpans old_spans;
  append_span(old_spans, x, o);
  EXPECT_EQ(attrs(old_spans.spans(0)).count("gen_ai.input.messages"),
            0u);  // events only, before 1.37
}

}  // namespace
}  // namespace llmtap::sinks::otlp
