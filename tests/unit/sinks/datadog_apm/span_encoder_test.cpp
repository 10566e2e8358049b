// The span of a call, decoded by nlohmann::json's msgpack reader and checked field by field
// against the v0.4 span model and the tags of dd-trace-py's OpenAI integration.
#include "sinks/datadog_apm/span_encoder.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "sinks/datadog_apm/span_text.h"

namespace llmtap::sinks {
namespace {

using json = nlohmann::json;
constexpr int64_t kMono = 7'000'000'000;
constexpr int64_t kWall = 1'760'000'000'123'456'789;

exchange chat_call() {
  exchange x;
  x.wall_start_unix_ns = kWall;
  x.method = "POST";
  x.path = "/v1/chat/completions";
  x.upstream = "default";
  x.ep = endpoint::chat_completions;
  x.model_requested = "gpt-4o-mini";
  x.model_served = "gpt-4o-mini-2024-07-18";
  x.organization_name = "acme";
  x.key_label = "sk-...abcd";
  x.service = "checkout";
  x.env = "prod";
  x.version = "1.2";
  x.status = 200;
  x.request_id = "req_123";
  x.finish_reason = "stop";
  x.t.accepted = kMono;
  x.t.first_byte = kMono + 100'000'000;
  x.t.last_byte = kMono + 420'000'000;
  x.limits.limit_requests = 10000;
  x.limits.remaining_requests = 9999;
  x.limits.limit_tokens = 2000000;
  x.limits.remaining_tokens = 1999958;
  x.usage.input_tokens = 12;
  x.usage.output_tokens = 30;
  x.usage.total_tokens = 42;
  x.usage.source = usage_source::reported;
  x.cost_nano_usd = 19800;
  x.trace.trace_id_hi = 0x68d1c0de00000000ull;
  x.trace.trace_id_lo = 0x1234567890abcdefull;
  x.trace.span_id = 0x0badc0ffee;
  return x;
}

json decode(const exchange& x) {
  span_encoder enc;
  std::string out;
  enc.append_span(x, out);
  return json::from_msgpack(out);
}

TEST(SpanEncoder, TopLevelFieldsFollowTheV04SpanModel) {
  json s = decode(chat_call());
  ASSERT_TRUE(s.is_object());
  EXPECT_EQ(s.size(), 12u);
  EXPECT_EQ(s["trace_id"].get<uint64_t>(), 0x1234567890abcdefull);
  EXPECT_EQ(s["span_id"].get<uint64_t>(), 0x0badc0ffeeull);
  EXPECT_EQ(s["parent_id"].get<uint64_t>(), 0u);
  EXPECT_EQ(s["name"], "openai.request");
  EXPECT_EQ(s["resource"], "createChatCompletion");
  EXPECT_EQ(s["service"], "checkout");
  EXPECT_EQ(s["type"], "llm");
  EXPECT_EQ(s["start"].get<int64_t>(), kWall);
  EXPECT_EQ(s["duration"].get<int64_t>(), 420'000'000);
  EXPECT_EQ(s["error"].get<int>(), 0);
}

TEST(SpanEncoder, TagsAsTheTracerSetsThem) {
  json s = decode(chat_call());
  const json& m = s["meta"];
  EXPECT_EQ(m["component"], "openai");
  EXPECT_EQ(m["span.kind"], "client");
  EXPECT_EQ(m["env"], "prod");
  EXPECT_EQ(m["version"], "1.2");
  EXPECT_EQ(m["_dd.p.tid"], "68d1c0de00000000");
  EXPECT_EQ(m["openai.request.client"], "OpenAI");
  EXPECT_EQ(m["openai.request.endpoint"], "/v1/chat/completions");
  EXPECT_EQ(m["openai.request.method"], "POST");
  EXPECT_EQ(m["openai.request.model"], "gpt-4o-mini");
  EXPECT_EQ(m["openai.response.model"], "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(m["openai.user.api_key"], "sk-...abcd");
  EXPECT_EQ(m["openai.organization.name"], "acme");
  EXPECT_FALSE(m.contains("openai.organization.id"));  // the client sent no OpenAI-Organization
  EXPECT_EQ(m["openai.response.choices.0.finish_reason"], "stop");
  EXPECT_EQ(m["http.status_code"], "200");
  EXPECT_EQ(m["llmtap.request_id"], "req_123");
  EXPECT_FALSE(m.contains("error.type"));
  for (const auto& [k, v] : m.items())
    EXPECT_EQ(k.find("content"), std::string::npos) << "unsampled: no text, " << k;

  const json& n = s["metrics"];
  EXPECT_EQ(n["_dd.measured"].get<double>(), 1.0);
  EXPECT_EQ(n["_sampling_priority_v1"].get<double>(), 1.0);
  EXPECT_EQ(n["_dd.top_level"].get<double>(), 1.0);  // no parent: a root span
  EXPECT_EQ(n["openai.response.usage.prompt_tokens"].get<double>(), 12);
  EXPECT_EQ(n["openai.response.usage.completion_tokens"].get<double>(), 30);
  EXPECT_EQ(n["openai.response.usage.total_tokens"].get<double>(), 42);
  EXPECT_EQ(n["openai.organization.ratelimit.requests.limit"].get<double>(), 10000);
  EXPECT_EQ(n["openai.organization.ratelimit.requests.remaining"].get<double>(), 9999);
  EXPECT_EQ(n["openai.organization.ratelimit.tokens.limit"].get<double>(), 2000000);
  EXPECT_EQ(n["openai.organization.ratelimit.tokens.remaining"].get<double>(), 1999958);
  EXPECT_DOUBLE_EQ(n["openai.request.cost"].get<double>(), 0.0000198);
  EXPECT_FALSE(n.contains("openai.request.time_to_first_token"));  // not a stream
}

TEST(SpanEncoder, ChildOfTheCallersSpan) {
  exchange x = chat_call();
  x.trace.trace_id_hi = 0;  // a 64-bit Datadog trace id from x-datadog-trace-id
  x.trace.parent_span_id = 4242;
  x.trace.sampling_priority = 2;
  x.trace.from_client = true;
  json s = decode(x);
  EXPECT_EQ(s["parent_id"].get<uint64_t>(), 4242u);
  EXPECT_FALSE(s["meta"].contains("_dd.p.tid"));
  EXPECT_FALSE(s["metrics"].contains("_dd.top_level"));
  EXPECT_EQ(s["metrics"]["_sampling_priority_v1"].get<double>(), 2.0);
}

TEST(SpanEncoder, ErrorSpanHasTypeAndMessage) {
  exchange x = chat_call();
  x.status = 429;
  x.error_type = "requests";
  x.error_code = "rate_limit_exceeded";
  x.usage = {};
  x.cost_nano_usd = -1;
  json s = decode(x);
  EXPECT_EQ(s["error"].get<int>(), 1);
  EXPECT_EQ(s["meta"]["error.type"], "openai.RateLimitError");
  EXPECT_EQ(s["meta"]["error.message"], "Error code: 429 - requests (rate_limit_exceeded)");
  EXPECT_FALSE(s["metrics"].contains("openai.response.usage.prompt_tokens"));
  EXPECT_FALSE(s["metrics"].contains("openai.request.cost"));

  exchange down = chat_call();
  down.status = 502;
  down.result = outcome::upstream_unreachable;
  down.proxy_error = "upstream default: connect: Connection refused";
  json d = decode(down);
  EXPECT_EQ(d["meta"]["error.type"], "openai.APIConnectionError");
  EXPECT_EQ(d["meta"]["error.message"], "upstream default: connect: Connection refused");
  EXPECT_EQ(d["meta"]["llmtap.outcome"], "upstream_unreachable");
}

TEST(SpanEncoder, StreamedCall) {
  exchange x = chat_call();
  x.stream = true;
  x.stream_requested = true;
  x.t.first_token = kMono + 150'000'000;
  x.t.last_byte = kMono + 2'000'000'000;
  x.usage.source = usage_source::estimated;
  json s = decode(x);
  EXPECT_EQ(s["duration"].get<int64_t>(), 2'000'000'000);  // until the stream ended
  EXPECT_EQ(s["meta"]["openai.request.stream"], "True");
  EXPECT_EQ(s["metrics"]["openai.request.time_to_first_token"].get<double>(), 150'000'000);
  EXPECT_EQ(s["metrics"]["openai.request.prompt_tokens_estimated"].get<double>(), 1);
  EXPECT_EQ(s["metrics"]["openai.response.completion_tokens_estimated"].get<double>(), 1);
}

TEST(SpanEncoder, SampledCallCarriesItsRedactedTextOnly) {
  exchange x = chat_call();
  x.sampled = true;
  x.sample_input =
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"line one\nline two"}])";
  x.sample_output =
      R"([{"index":0,"message":{"role":"assistant","content":"Hi [REDACTED_EMAIL]"},"finish_reason":"stop"}])";
  json m = decode(x)["meta"];
  EXPECT_EQ(m["openai.request.messages.0.role"], "system");
  EXPECT_EQ(m["openai.request.messages.0.content"], "Be brief.");
  EXPECT_EQ(m["openai.request.messages.1.content"],
            "line one\\nline two");  // the tracer's trunc() escapes
  EXPECT_EQ(m["openai.response.choices.0.message.content"], "Hi [REDACTED_EMAIL]");
  EXPECT_EQ(m["openai.response.choices.0.message.role"], "assistant");
  EXPECT_EQ(m["openai.response.choices.0.finish_reason"], "stop");
}

TEST(SpanEncoder, PayloadIsAnArrayOfSingleSpanTraces) {
  span_encoder enc;
  std::vector<std::shared_ptr<const exchange>> calls;
  for (int i = 0; i < 20; ++i) {
    auto x = std::make_shared<exchange>(chat_call());
    x->trace.span_id = 100 + i;
    calls.push_back(x);
  }
  std::string out;
  enc.append_payload(calls, out);
  json p = json::from_msgpack(out);
  ASSERT_TRUE(p.is_array());
  ASSERT_EQ(p.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    ASSERT_EQ(p[i].size(), 1u);
    EXPECT_EQ(p[i][0]["span_id"].get<uint64_t>(), 100 + i);
  }
}

TEST(SpanText, TruncatesLikeTheTracer) {
  EXPECT_EQ(span_trunc("a\tb\nc"), "a\\tb\\nc");
  EXPECT_EQ(span_trunc(std::string(128, 'x')), std::string(128, 'x'));
  EXPECT_EQ(span_trunc(std::string(129, 'x')), std::string(128, 'x') + "...");
  std::string accents;
  for (int i = 0; i < 130; ++i) accents += "é";
  std::string cut = span_trunc(accents);
  EXPECT_EQ(cut.size(), 128u * 2 + 3);  // 128 characters, not 128 bytes, and no split sequence
}

TEST(SpanText, EndpointsNameTheirTextTags) {
  std::map<std::string, std::string> tags;
  auto add = [&](std::string_view k, std::string_view v) { tags.emplace(k, v); };
  exchange c;
  c.ep = endpoint::completions;
  c.sampled = true;
  c.sample_input = R"(["Say hi"])";
  c.sample_output = R"([{"index":0,"text":" hi","finish_reason":"length"}])";
  sampled_text_tags(c, add);
  EXPECT_EQ(tags["openai.request.prompt.0"], "Say hi");
  EXPECT_EQ(tags["openai.response.choices.0.text"], " hi");
  tags.clear();
  exchange e;
  e.ep = endpoint::embeddings;
  e.sampled = true;
  e.sample_input = R"(["a","b"])";
  sampled_text_tags(e, add);
  EXPECT_EQ(tags["openai.request.input.1"], "b");
  tags.clear();
  e.sampled = false;
  sampled_text_tags(e, add);
  EXPECT_TRUE(tags.empty());
}

}  // namespace
}  // namespace llmtap::sinks
