// The points of one call: the full measurement, the Guance-compatible one, and DataKit's logging
// point for sampled calls; prompt text only from the sampled, redacted fields.
#include "sinks/line_protocol/point_encoder.h"

#include <gtest/gtest.h>

namespace llmtap::sinks::lp {
namespace {

exchange call() {
  exchange x;
  x.path = "/v1/chat/completions";
  x.ep = endpoint::chat_completions;
  x.upstream = "default";
  x.model_requested = "gpt-4o-mini";
  x.service = "billing api";
  x.env = "prod";
  x.status = 200;
  x.stream = true;
  x.request_id = "req_123";
  x.wall_start_unix_ns = 1'760'000'000'250'000'000;
  x.t.accepted = 1'000'000'000;
  x.t.first_token = 1'200'000'000;
  x.t.last_byte = 1'750'000'000;
  x.inside_ns = 30'000;
  x.usage = {12, 5, 17, 4, 2, -1, -1, usage_source::reported};
  x.cost_nano_usd = 4'800;
  x.request_bytes = 90;
  x.response_bytes = 700;
  return x;
}

TEST(PointEncoder, FullAndGuanceMeasurementsForInfluxDb) {
  point_encoder e({flavor::influxdb1, "llmtap", "openai"});
  std::string out;
  EXPECT_EQ(e.append_metrics(call(), out), 2u);
  const std::string tags =
      R"(endpoint=chat.completions,env=prod,model=gpt-4o-mini,outcome=ok,provider=openai,service=billing\ api,status=200,upstream=default)";
  EXPECT_EQ(
      out, "llmtap," + tags +
               " duration=0.75,ttft=0.2,overhead=3e-05,input_tokens=12i,output_tokens=5i,"
               "cached_input_tokens=4i,reasoning_tokens=2i,total_tokens=17i,tokens_estimated=false,"
               "cost_usd=4.8e-06,error=false,stream=true,request_bytes=90i,response_bytes=700i,"
               "request_id=\"req_123\" 1760000000250000000\n"
               "openai," +
               tags +
               " create_time=1760000000.25,res_status=200,response_time=0.75,total_tokens=17 "
               "1760000000250000000\n");
}

TEST(PointEncoder, QuestionOnlyWhenSampledAndOnlyFromTheSample) {
  point_encoder e({flavor::influxdb2, "llmtap", "openai"});
  exchange x = call();
  x.request_body.bytes = R"({"messages":[{"role":"user","content":"unsampled secret"}]})";
  std::string out;
  e.append_metrics(x, out);
  EXPECT_EQ(out.find("question"), std::string::npos);
  EXPECT_EQ(out.find("unsampled secret"), std::string::npos);
  x.sampled = true;
  x.sample_input = R"([{"role":"user","content":"Hi [REDACTED_EMAIL]"}])";
  out.clear();
  e.append_metrics(x, out);
  EXPECT_NE(out.find(R"(question="[{\"role\":\"user\",\"content\":\"Hi [REDACTED_EMAIL]\"}]")"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("unsampled secret"), std::string::npos);
  std::string logs;
  EXPECT_EQ(e.append_log(x, logs), 0u);  // logging points are DataKit's
}

TEST(PointEncoder, DataKitMetricsCarryNoStringsAndSampledCallsLog) {
  point_encoder e({flavor::datakit, "llmtap", "openai"});
  exchange x = call();
  x.status = 429;
  x.error_type = "rate_limit_exceeded";
  x.sampled = true;
  x.sample_input = R"([{"role":"user","content":"hello"}])";
  x.sample_output = R"([{"message":{"role":"assistant","content":"hi"}}])";
  x.trace.trace_id_hi = 0x1234;
  x.trace.trace_id_lo = 0xabcd;
  x.trace.span_id = 0x42;
  std::string out;
  EXPECT_EQ(e.append_metrics(x, out), 2u);
  EXPECT_EQ(out.find('"'), std::string::npos) << out;  // DataKit drops string fields of metrics
  EXPECT_NE(out.find("error=true"), std::string::npos);
  EXPECT_NE(out.find("res_status=429"), std::string::npos);
  std::string logs;
  EXPECT_EQ(e.append_log(x, logs), 1u);
  EXPECT_EQ(logs.rfind("openai,endpoint=chat.completions,env=prod,model=gpt-4o-mini,outcome=ok,"
                       "provider=openai,service=billing\\ api,upstream=default,status=error ",
                       0),
            0u)
      << logs;
  EXPECT_NE(
      logs.find(
          R"(message="{\"input\":[{\"role\":\"user\",\"content\":\"hello\"}],\"output\":[{\"message\")"),
      std::string::npos)
      << logs;
  EXPECT_NE(logs.find(R"(question="[{\"role\":\"user\",\"content\":\"hello\"}]")"),
            std::string::npos);
  EXPECT_NE(logs.find("trace_id=\"0000000000001234000000000000abcd\",span_id=\"0000000000000042\""),
            std::string::npos)
      << logs;
  x.sampled = false;
  logs.clear();
  EXPECT_EQ(e.append_log(x, logs), 0u);
}

TEST(PointEncoder, TransportFailureAndNoGuanceMeasurement) {
  point_encoder e({flavor::influxdb1, "calls", ""});
  exchange x = call();
  x.status = 0;
  x.result = outcome::upstream_unreachable;
  x.usage = {};
  x.cost_nano_usd = -1;
  x.stream = false;
  x.t.first_token = 0;
  std::string out;
  EXPECT_EQ(e.append_metrics(x, out), 1u);
  EXPECT_EQ(out.find("status="), std::string::npos) << out;
  EXPECT_NE(out.find("outcome=upstream_unreachable"), std::string::npos);
  EXPECT_NE(out.find("error_type=\"upstream_unreachable\""), std::string::npos);
  EXPECT_EQ(out.find("tokens"), std::string::npos);
  EXPECT_EQ(out.find("cost_usd"), std::string::npos);
  EXPECT_EQ(out.find("ttft"), std::string::npos);
}

TEST(PointEncoder, FlavorNames) {
  EXPECT_EQ(parse_flavor("datakit"), flavor::datakit);
  EXPECT_THROW(parse_flavor("influxdb3"), std::invalid_argument);
}

}  // namespace
}  // namespace llmtap::sinks::lp
