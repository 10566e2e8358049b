// The OTLP encoding of one call: the span's fields and every GenAI attribute with its value, the
// names of each conventions version, errors, the caller's sampling, resource, JSON and the
// fields newer than the vendored protos.
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "otlp_fixtures.h"

namespace llmtap::sinks::otlp {
namespace {

using test::attrs;
using test::streamed_chat;

std::set<std::string> keys(const pb_trace::Span& s) {
  std::set<std::string> out;
  for (const auto& kv : s.attributes()) out.insert(kv.key());
  return out;
}

std::vector<std::string> strings(const pb_common::AnyValue* v) {
  std::vector<std::string> out;
  for (const auto& e : v->array_value().values()) out.push_back(e.string_value());
  return out;
}

uint32_t unknown_fixed32(const google::protobuf::Message& m, int number) {
  const auto& u = m.GetReflection()->GetUnknownFields(m);
  for (int i = 0; i < u.field_count(); ++i)
    if (u.field(i).number() == number) return u.field(i).fixed32();
  return 0xffffffff;
}

pb_trace::Span span_of(const exchange& x, const encode_options& o = {}) {
  pb_trace::ScopeSpans scope;
  append_span(scope, x, o);
  return scope.spans(0);
}

TEST(OtlpSpan, CarriesEveryGenAiAttributeWithItsValue) {
  encode_options o;
  o.servers["default"] = {"api.openai.com", 443};
  const pb_trace::Span s = span_of(streamed_chat(), o);
  EXPECT_EQ(s.name(), "chat gpt-4o");
  EXPECT_EQ(s.kind(), pb_trace::Span::SPAN_KIND_CLIENT);
  EXPECT_EQ(s.trace_id(),
            std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16));
  EXPECT_EQ(s.span_id(), std::string("\x11\x12\x13\x14\x15\x16\x17\x18", 8));
  EXPECT_EQ(s.parent_span_id(), std::string("\x21\x22\x23\x24\x25\x26\x27\x28", 8));
  EXPECT_EQ(s.start_time_unix_nano(), 1'700'000'000'000'000'000u);
  EXPECT_EQ(s.end_time_unix_nano(), 1'700'000'000'400'000'000u);
  EXPECT_FALSE(s.has_status());
  EXPECT_EQ(unknown_fixed32(s, kSpanFlagsField), 0x301u);  // sampled, has is_remote, remote parent

  auto a = attrs(s);
  EXPECT_EQ(keys(s), (std::set<std::string>{"gen_ai.operation.name",
                                            "gen_ai.provider.name",
                                            "gen_ai.request.model",
                                            "gen_ai.request.max_tokens",
                                            "gen_ai.request.temperature",
                                            "gen_ai.request.top_p",
                                            "gen_ai.request.frequency_penalty",
                                            "gen_ai.request.presence_penalty",
                                            "gen_ai.request.seed",
                                            "gen_ai.request.choice.count",
                                            "gen_ai.request.stop_sequences",
                                            "gen_ai.output.type",
                                            "gen_ai.request.stream",
                                            "gen_ai.response.id",
                                            "gen_ai.response.model",
                                            "gen_ai.response.finish_reasons",
                                            "gen_ai.usage.input_tokens",
                                            "gen_ai.usage.output_tokens",
                                            "gen_ai.usage.cache_read.input_tokens",
                                            "gen_ai.usage.reasoning.output_tokens",
                                            "gen_ai.response.time_to_first_chunk",
                                            "openai.api.type",
                                            "openai.request.service_tier",
                                            "openai.response.service_tier",
                                            "openai.response.system_fingerprint",
                                            "server.address",
                                            "server.port",
                                            "http.response.status_code",
                                            "llmtap.upstream.request_id",
                                            "llmtap.cost.usd",
                                            "llmtap.api_key",
                                            "llmtap.overhead"}));
  EXPECT_EQ(a["gen_ai.operation.name"]->string_value(), "chat");
  EXPECT_EQ(a["gen_ai.provider.name"]->string_value(), "openai");
  EXPECT_EQ(a["gen_ai.request.model"]->string_value(), "gpt-4o");
  EXPECT_EQ(a["gen_ai.request.max_tokens"]->int_value(), 256);
  EXPECT_DOUBLE_EQ(a["gen_ai.request.temperature"]->double_value(), 0.2);
  EXPECT_DOUBLE_EQ(a["gen_ai.request.top_p"]->double_value(), 1.0);
  EXPECT_DOUBLE_EQ(a["gen_ai.request.frequency_penalty"]->double_value(), 0.5);
  EXPECT_DOUBLE_EQ(a["gen_ai.request.presence_penalty"]->double_value(), -0.5);
  EXPECT_EQ(a["gen_ai.request.seed"]->int_value(), 7);
  EXPECT_EQ(a["gen_ai.request.choice.count"]->int_value(), 2);
  EXPECT_EQ(strings(a["gen_ai.request.stop_sequences"]), (std::vector<std::string>{"END", "\n\n"}));
  EXPECT_EQ(a["gen_ai.output.type"]->string_value(), "json");
  EXPECT_TRUE(a["gen_ai.request.stream"]->bool_value());
  EXPECT_EQ(a["gen_ai.response.id"]->string_value(), "chatcmpl-42");
  EXPECT_EQ(a["gen_ai.response.model"]->string_value(), "gpt-4o-2024-08-06");
  EXPECT_EQ(strings(a["gen_ai.response.finish_reasons"]), (std::vector<std::string>{"stop"}));
  EXPECT_EQ(a["gen_ai.usage.input_tokens"]->int_value(), 1200);
  EXPECT_EQ(a["gen_ai.usage.output_tokens"]->int_value(), 30);
  EXPECT_EQ(a["gen_ai.usage.cache_read.input_tokens"]->int_value(), 1024);
  EXPECT_EQ(a["gen_ai.usage.reasoning.output_tokens"]->int_value(), 9);
  EXPECT_DOUBLE_EQ(a["gen_ai.response.time_to_first_chunk"]->double_value(), 0.15);
  EXPECT_EQ(a["openai.api.type"]->string_value(), "chat_completions");
  EXPECT_EQ(a["openai.request.service_tier"]->string_value(), "default");
  EXPECT_EQ(a["openai.response.service_tier"]->string_value(), "default");
  EXPECT_EQ(a["openai.response.system_fingerprint"]->string_value(), "fp_44709d6fcb");
  EXPECT_EQ(a["server.address"]->string_value(), "api.openai.com");
  EXPECT_EQ(a["server.port"]->int_value(), 443);
  EXPECT_EQ(a["http.response.status_code"]->int_value(), 200);
  EXPECT_EQ(a["llmtap.upstream.request_id"]->string_value(), "req_abc123");
  EXPECT_DOUBLE_EQ(a["llmtap.cost.usd"]->double_value(), 0.00125);
  EXPECT_EQ(a["llmtap.api_key"]->string_value(), "sk-...abcd");
  EXPECT_DOUBLE_EQ(a["llmtap.overhead"]->double_value(), 0.002);
}

TEST(OtlpSpan, EachConventionsVersionHasItsNames) {
  exchange x = streamed_chat();
  x.path = "/openai/deployments/prod-chat/chat/completions";
  x.deployment = "prod-chat";
  x.model_requested.clear();  // Azure: the deployment is the model asked for
  x.request_body.bytes = R"({"messages":[],"service_tier":"flex"})";
  encode_options o;
  ASSERT_TRUE(parse_semconv("1.36", o.version));
  pb_trace::Span s = span_of(x, o);
  auto a = attrs(s);
  EXPECT_EQ(s.name(), "chat prod-chat");
  EXPECT_EQ(a["gen_ai.system"]->string_value(), "az.ai.openai");
  EXPECT_EQ(a["gen_ai.openai.request.service_tier"]->string_value(), "flex");
  EXPECT_EQ(a["gen_ai.openai.response.system_fingerprint"]->string_value(), "fp_44709d6fcb");
  for (const char* later :
       {"gen_ai.provider.name", "openai.api.type", "openai.request.service_tier",
        "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.reasoning.output_tokens",
        "gen_ai.request.stream", "gen_ai.response.time_to_first_chunk"})
    EXPECT_EQ(a.count(later), 0u) << later;

  ASSERT_TRUE(parse_semconv("1.40", o.version));
  s = span_of(x, o);
  a = attrs(s);
  EXPECT_EQ(a["gen_ai.provider.name"]->string_value(), "azure.ai.openai");
  EXPECT_EQ(a["openai.request.service_tier"]->string_value(), "flex");
  EXPECT_EQ(a["gen_ai.usage.cache_read.input_tokens"]->int_value(), 1024);
  EXPECT_EQ(a.count("gen_ai.usage.reasoning.output_tokens"), 0u);
  EXPECT_EQ(a.count("gen_ai.request.stream"), 0u);

  semconv v;
  EXPECT_TRUE(parse_semconv("latest", v));
  EXPECT_EQ(v.minor, 41);
  EXPECT_TRUE(parse_semconv("1.37.0", v));
  EXPECT_EQ(v.schema_url(), "https://opentelemetry.io/schemas/1.37.0");
  for (const char* bad : {"1.35", "1.42", "2.0", "1.4x", "", "v1.41"})
    EXPECT_FALSE(parse_semconv(bad, v)) << bad;
}

TEST(OtlpSpan, AFailedCallIsAnErrorSpanWithItsType) {
  exchange x = streamed_chat();
  x.status = 429;
  x.error_type = "tokens";
  x.error_code = "rate_limit_exceeded";
  pb_trace::Span s = span_of(x);
  EXPECT_EQ(s.status().code(), pb_trace::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(s.status().message(), "HTTP 429 rate_limit_exceeded");
  EXPECT_EQ(attrs(s)["error.type"]->string_value(), "tokens");

  exchange cut;  // the upstream never answered: no status, no last byte
  cut.ep = endpoint::embeddings;
  cut.model_requested = "text-embedding-3-small";
  cut.result = outcome::upstream_unreachable;
  cut.proxy_error = "connect: connection refused";
  cut.wall_start_unix_ns = 5'000'000'000;
  cut.t.accepted = 100;
  cut.t.upstream_connect_start = 100 + 3'000'000;
  s = span_of(cut);
  EXPECT_EQ(s.name(), "embeddings text-embedding-3-small");
  EXPECT_EQ(attrs(s)["error.type"]->string_value(), "upstream_unreachable");
  EXPECT_EQ(s.status().message(), "connect: connection refused");
  EXPECT_EQ(s.end_time_unix_nano() - s.start_time_unix_nano(),
            3'000'000u);                                   // the last stamp it has
  EXPECT_EQ(unknown_fixed32(s, kSpanFlagsField), 0x101u);  // a root span: no remote parent
}

TEST(OtlpSpan, TheCallersSamplingDecisionIsKept) {
  exchange x = streamed_chat();
  EXPECT_TRUE(exports_span(x));
  x.trace.sampling_priority = 0;  // traceparent flags 00
  EXPECT_FALSE(exports_span(x));
  x.trace.from_client = false;  // our own trace: always recorded
  EXPECT_TRUE(exports_span(x));
}

TEST(OtlpSpan, TheNewerFieldsSurviveTheWire) {
  pb_trace::ScopeSpans scope;
  append_span(scope, streamed_chat(), encode_options{});
  pb_trace::ScopeSpans back;
  ASSERT_TRUE(back.ParseFromString(serialize(scope, false)));
  EXPECT_EQ(unknown_fixed32(back.spans(0), kSpanFlagsField), 0x301u);
  EXPECT_EQ(back.spans(0).name(), "chat gpt-4o");
}

TEST(OtlpJson, HexIdsIntegerEnumsAndTheNewerFields) {
  pb_trace::ScopeSpans scope;
  append_span(scope, streamed_chat(), encode_options{});
  auto j = nlohmann::json::parse(serialize(scope, true));
  const auto& span = j["spans"][0];
  EXPECT_EQ(span["traceId"], "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(span["spanId"], "1112131415161718");
  EXPECT_EQ(span["parentSpanId"], "2122232425262728");
  EXPECT_EQ(span["kind"], 3);
  EXPECT_EQ(span["flags"], 0x301);
  EXPECT_EQ(span["startTimeUnixNano"], "1700000000000000000");  // int64 as a string
  bool found = false;
  for (const auto& kv : span["attributes"])
    if (kv["key"] == "gen_ai.usage.input_tokens") found = kv["value"]["intValue"] == "1200";
  EXPECT_TRUE(found);

  exchange x = streamed_chat();
  x.sampled = true;
  x.sample_input = R"([{"role":"user","content":"hi"}])";
  x.sample_output =
      R"([{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}])";
  encode_options o;
  o.capture_content = true;
  pb_logs::ScopeLogs logs;
  ASSERT_EQ(append_content_logs(logs, x, o), 1);
  auto l = nlohmann::json::parse(serialize(logs, true))["logRecords"][0];
  EXPECT_EQ(l["eventName"], "gen_ai.client.inference.operation.details");
  EXPECT_EQ(l["traceId"], "0102030405060708090a0b0c0d0e0f10");
  EXPECT_EQ(l["spanId"], "1112131415161718");
  EXPECT_EQ(l["severityNumber"], 9);
}

TEST(OtlpResource, ServiceNameAndAttributesFromTheEnvironmentSyntax) {
  opentelemetry::proto::resource::v1::Resource r;
  fill_resource(r, "", "deployment.environment=prod, team=llm%20ops,service.name=from-attrs,bad",
                "fallback");
  auto a = attrs(r);
  EXPECT_EQ(a["service.name"]->string_value(), "from-attrs");
  EXPECT_EQ(a["deployment.environment"]->string_value(), "prod");
  EXPECT_EQ(a["team"]->string_value(), "llm ops");
  EXPECT_EQ(a["telemetry.sdk.name"]->string_value(), "llmtap");
  EXPECT_EQ(r.attributes_size(), 6);  // service, sdk name/language/version, the two attributes

  opentelemetry::proto::resource::v1::Resource named;
  fill_resource(named, "shop", "service.name=from-attrs", "fallback");  // OTEL_SERVICE_NAME wins
  EXPECT_EQ(attrs(named)["service.name"]->string_value(), "shop");
  opentelemetry::proto::resource::v1::Resource plain;
  fill_resource(plain, "", "", "fallback");
  EXPECT_EQ(attrs(plain)["service.name"]->string_value(), "fallback");
}

}  // namespace
}  // namespace llmtap::sinks::otlp
