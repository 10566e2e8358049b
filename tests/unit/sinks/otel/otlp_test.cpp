// The OTLP encoding of one call: span fields and GenAI attributes, JSON ids, metric buckets,
// message conversion and header parsing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sinks/otel/otlp_messages.h"
#include "sinks/otel/otlp_metrics.h"
#include "sinks/otel/otlp_sink.h"

namespace llmtap::sinks::otlp {
namespace {

exchange call() {
  exchange x;
  x.ep = endpoint::chat_completions;
  x.upstream = "default";
  x.model_requested = "gpt-4o";
  x.model_served = "gpt-4o-2024-08-06";
  x.status = 200;
  x.finish_reason = "stop";
  x.wall_start_unix_ns = 1'700'000'000'000'000'000;
  x.t.accepted = 1000;
  x.t.first_token = 1000 + 150'000'000;
  x.t.last_byte = 1000 + 400'000'000;
  x.stream = true;
  x.usage.input_tokens = 12;
  x.usage.output_tokens = 30;
  x.usage.cached_input_tokens = 4;
  x.usage.reasoning_tokens = 9;
  x.trace.trace_id_hi = 0x0102030405060708;
  x.trace.trace_id_lo = 0x090a0b0c0d0e0f10;
  x.trace.span_id = 0x1112131415161718;
  x.trace.parent_span_id = 0x2122232425262728;
  return x;
}

std::map<std::string, const pb_common::AnyValue*> attrs(const pb_trace::Span& s) {
  std::map<std::string, const pb_common::AnyValue*> out;
  for (const auto& kv : s.attributes()) out[kv.key()] = &kv.value();
  return out;
}

TEST(Otlp, SpanCarriesTheGenAiAttributes) {
  encode_options o;
  o.servers["default"] = {"api.openai.com", 443};
  pb_trace::ScopeSpans scope;
  append_span(scope, call(), o);
  const pb_trace::Span& s = scope.spans(0);
  EXPECT_EQ(s.name(), "chat gpt-4o");
  EXPECT_EQ(s.kind(), pb_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(s.trace_id(), std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  EXPECT_EQ(s.parent_span_id(), std::string("\x21\x22\x23\x24\x25\x26\x27\x28", 8));
  EXPECT_EQ(s.end_time_unix_nano() - s.start_time_unix_nano(), 400'000'000u);
  auto a = attrs(s);
  EXPECT_EQ(a["gen_ai.provider.name"]->string_value(), "openai");
  EXPECT_EQ(a["gen_ai.response.model"]->string_value(), "gpt-4o-2024-08-06");
  EXPECT_EQ(a["gen_ai.usage.input_tokens"]->int_value(), 12);
  EXPECT_EQ(a["gen_ai.usage.cache_read.input_tokens"]->int_value(), 4);
  EXPECT_EQ(a["gen_ai.usage.reasoning.output_tokens"]->int_value(), 9);
  EXPECT_DOUBLE_EQ(a["gen_ai.response.time_to_first_chunk"]->double_value(), 0.15);
  EXPECT_EQ(a["gen_ai.response.finish_reasons"]->array_value().values(0).string_value(), "stop");
  EXPECT_EQ(a["server.address"]->string_value(), "api.openai.com");
  EXPECT_EQ(a["server.port"]->int_value(), 443);
  EXPECT_EQ(a.count("error.type"), 0u);
  EXPECT_EQ(a.count("gen_ai.input.messages"), 0u);  // not sampled
  EXPECT_FALSE(s.has_status());
}

TEST(Otlp, OldNamingAndAzureProvider) {
  encode_options o;
  o.names = naming::v1_36;
  exchange x = call();
  x.deployment = "prod-chat";
  pb_trace::ScopeSpans scope;
  append_span(scope, x, o);
  auto a = attrs(scope.spans(0));
  EXPECT_EQ(a["gen_ai.system"]->string_value(), "az.ai.openai");
  EXPECT_EQ(a.count("gen_ai.provider.name"), 0u);
  EXPECT_EQ(a.count("gen_ai.usage.cache_read.input_tokens"), 0u);
  naming n;
  EXPECT_TRUE(parse_naming("latest", n));
  EXPECT_EQ(n, naming::v1_41);
  EXPECT_FALSE(parse_naming("1.99", n));
}

TEST(Otlp, FailedCallIsAnErrorSpan) {
  exchange x = call();
  x.status = 429;
  x.error_type = "tokens";
  pb_trace::ScopeSpans scope;
  append_span(scope, x, encode_options{});
  EXPECT_EQ(scope.spans(0).status().code(), pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(attrs(scope.spans(0))["error.type"]->string_value(), "tokens");
  exchange cut = call();
  cut.status = 0;
  cut.result = outcome::upstream_unreachable;
  EXPECT_EQ(error_type(cut), "upstream_unreachable");
}

TEST(Otlp, JsonHasHexIdsAndIntegerEnums) {
  pb_trace::ScopeSpans scope;
  append_span(scope, call(), encode_options{});
  auto j = nlohmann::json::parse(serialize(scope, true));
  EXPECT_EQ(j["spans"][0]["traceId"], "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(j["spans"][0]["spanId"], "1112131415161718");
  EXPECT_EQ(j["spans"][0]["parentSpanId"], "2122232425262728");
  EXPECT_EQ(j["spans"][0]["kind"], 3);
}

TEST(Otlp, HistogramBoundsAreInclusiveUpperBounds) {
  metrics_aggregator m(encode_options{}, 1);
  exchange x = call();
  x.t.last_byte = x.t.accepted + 10'000'000;  // exactly 0.01 s: the first bucket
  m.record(x);
  pb_metrics::ScopeMetrics scope;
  m.export_to(scope, 2);
  const pb_metrics::Metric* duration = nullptr;
  for (const auto& metric : scope.metrics())
    if (metric.name() == "gen_ai.client.operation.duration") duration = &metric;
  ASSERT_NE(duration, nullptr);
  const auto& p = duration->histogram().data_points(0);
  EXPECT_EQ(p.count(), 1u);
  EXPECT_EQ(p.bucket_counts(0), 1u);
  EXPECT_EQ(p.bucket_counts_size(), p.explicit_bounds_size() + 1);
  EXPECT_EQ(duration->histogram().aggregation_temporality(), pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
}

TEST(Otlp, MessagesInTheConventionsShape) {
  exchange x = call();
  x.sampled = true;
  x.sample_input = R"([{"role":"system","content":"be brief"},{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:..."}}]}])";
  x.sample_output = R"([{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{}"}}]},"finish_reason":"tool_calls"}])";
  EXPECT_EQ(input_messages(x),
            R"([{"parts":[{"content":"be brief","type":"text"}],"role":"system"},)"
            R"({"parts":[{"content":"hi","type":"text"},{"type":"image_url"}],"role":"user"}])");
  EXPECT_EQ(output_messages(x),
            R"([{"finish_reason":"tool_calls","parts":[{"arguments":"{}","id":"c1","name":"f","type":"tool_call"}],"role":"assistant"}])");
}

TEST(Otlp, HeadersFromTheEnvironmentSyntax) {
  EXPECT_EQ(parse_headers("api-key=abc, x-team = llm ,authorization=Bearer%20t"),
            (std::vector<std::string>{"api-key: abc", "x-team: llm", "authorization: Bearer t"}));
  EXPECT_TRUE(parse_headers("bad key=1,x=a%0D%0AHost: evil,y:z=1").empty());  // no header splitting
}

}  // namespace
}  // namespace llmtap::sinks::otlp
