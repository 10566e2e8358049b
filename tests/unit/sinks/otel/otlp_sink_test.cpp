// The sink against a real HTTP server on loopback that answers as the test says: the signal
// paths, headers and bodies, metric exports on the interval and at stop, the OTLP retry rules,
// drops counted (dead collector, full queue, partial success), check(), and no secret printed.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "eventually.h"
#include "http_test_server.h"
#include "otlp_fixtures.h"
#include "sinks/otel/otlp_sink.h"

namespace llmtap::sinks::otlp {
namespace {

using namespace std::chrono_literals;
using request = llmtap::test::http_request;
using answer = llmtap::test::http_answer;
using llmtap::test::http_server;
namespace coll_trace = opentelemetry::proto::collector::trace::v1;
namespace coll_metrics = opentelemetry::proto::collector::metrics::v1;
namespace coll_logs = opentelemetry::proto::collector::logs::v1;

std::shared_ptr<const exchange> call(uint64_t span, bool sampled = false) {
  auto x = std::make_shared<exchange>(test::streamed_chat());
  x->trace.span_id = span;
  x->sampled = sampled;
  if (sampled) {
    x->sample_input = R"([{"role":"user","content":"hi"}])";
    x->sample_output =
        R"([{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}])";
  }
  return x;
}

sink_options options(const std::string& url) {
  sink_options o;
  o.endpoint = url + "/";  // a trailing slash is not doubled
  o.flush_every = 20ms;
  o.retry.first_backoff = 5ms;
  o.retry.max_backoff = 20ms;
  o.headers = parse_headers("x-team=llm,authorization=Bearer%20collector-secret");
  o.service_name = "shop";
  return o;
}

std::vector<request> at(http_server& srv, const std::string& path) {
  std::vector<request> out;
  for (auto& r : srv.requests())
    if (r.target == path) out.push_back(r);
  return out;
}

// Waits up to 3 s; the assertions after it say what was expected.
template <class F>
void wait_for(F&& done) {
  test_support::eventually(done, 3s);
}

TEST(OtlpSink, SendsSpansLogsAndMetricsToTheSignalPaths) {
  http_server srv([](const request&) {
    return answer{200, "Content-Type: application/x-protobuf\r\n", ""};
  });
  sink_options o = options(srv.url);
  o.encode.capture_content = true;
  o.metric_interval = 100ms;
  otlp_sink s(o);
  for (uint64_t i = 1; i <= 3; ++i) EXPECT_TRUE(s.offer(call(i, i == 2)));
  s.start();  // after the offers: one batch, whatever the scheduling
  wait_for([&] { return !at(srv, "/v1/metrics").empty(); });  // on the interval, not only at stop
  ASSERT_EQ(at(srv, "/v1/metrics").size(), 1u);
  s.stop(2s);

  auto traces = at(srv, "/v1/traces");
  ASSERT_EQ(traces.size(), 1u);  // one batch
  EXPECT_EQ(traces[0].method, "POST");
  EXPECT_TRUE(traces[0].has_header("Content-Type: application/x-protobuf"));
  EXPECT_TRUE(traces[0].has_header("x-team: llm"));
  EXPECT_TRUE(traces[0].has_header("authorization: Bearer collector-secret"));
  coll_trace::ExportTraceServiceRequest t;
  ASSERT_TRUE(t.ParseFromString(traces[0].body));
  ASSERT_EQ(t.resource_spans(0).scope_spans(0).spans_size(), 3);
  EXPECT_EQ(t.resource_spans(0).scope_spans(0).scope().name(), "llmtap");
  EXPECT_EQ(t.resource_spans(0).scope_spans(0).schema_url(),
            "https://opentelemetry.io/schemas/1.41.0");
  EXPECT_EQ(test::attrs(t.resource_spans(0).resource())["service.name"]->string_value(), "shop");

  auto logs = at(srv, "/v1/logs");
  ASSERT_EQ(logs.size(), 1u);
  coll_logs::ExportLogsServiceRequest l;
  ASSERT_TRUE(l.ParseFromString(logs[0].body));
  ASSERT_EQ(l.resource_logs(0).scope_logs(0).log_records_size(), 1);  // the sampled call only
  EXPECT_EQ(l.resource_logs(0).scope_logs(0).log_records(0).span_id(), span_id_bytes(2));

  // Nothing new after the interval's export: stop sends nothing more.
  EXPECT_EQ(at(srv, "/v1/metrics").size(), 1u);
  coll_metrics::ExportMetricsServiceRequest m;
  ASSERT_TRUE(m.ParseFromString(at(srv, "/v1/metrics")[0].body));
  const auto& metrics = m.resource_metrics(0).scope_metrics(0).metrics();
  ASSERT_GE(metrics.size(), 3);
  EXPECT_EQ(metrics[0].name(), "gen_ai.client.operation.duration");
  EXPECT_EQ(metrics[0].histogram().data_points(0).count(), 3u);
  EXPECT_EQ(s.counters().received.load(), 3u);
  EXPECT_EQ(s.counters().sent.load(), 3u);
  EXPECT_EQ(s.counters().dropped.load(), 0u);
  EXPECT_EQ(s.counters().errors.load(), 0u);
}

TEST(OtlpSink, MetricsAreExportedAtStopAndUnsampledCallersGetNoSpan) {
  http_server srv([](const request&) { return answer{200, "", ""}; });
  sink_options o = options(srv.url);
  o.json = true;
  o.metric_interval = 1h;
  otlp_sink s(o);
  s.start();
  auto x = std::make_shared<exchange>(test::streamed_chat());
  x->trace.sampling_priority = 0;  // the caller's traceparent said "not sampled"
  s.offer(x);
  s.offer(call(9));
  s.stop(2s);
  auto traces = at(srv, "/v1/traces");
  ASSERT_EQ(traces.size(), 1u);
  EXPECT_TRUE(traces[0].has_header("Content-Type: application/json"));
  auto j = nlohmann::json::parse(traces[0].body);
  ASSERT_EQ(j["resourceSpans"][0]["scopeSpans"][0]["spans"].size(), 1u);
  EXPECT_EQ(j["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["spanId"], "0000000000000009");
  auto metrics = at(srv, "/v1/metrics");
  ASSERT_EQ(metrics.size(), 1u);  // the final export
  auto mj = nlohmann::json::parse(metrics[0].body);
  EXPECT_EQ(mj["resourceMetrics"][0]["scopeMetrics"][0]["metrics"][0]["histogram"]["dataPoints"][0]
              ["count"],
            "2");
}

TEST(OtlpSink, RetriesOnlyWhatTheOtlpSpecSaysAndCountsTheDrops) {
  std::atomic<int> n{0};
  http_server srv([&](const request& r) {
    if (r.target != "/v1/traces") return answer{200, "", ""};
    switch (n++) {
      case 0:
        return answer{503, "", ""};  // retried
      case 1:
        return answer{429, "Retry-After: 0\r\n", ""};  // retried
      case 2:
        return answer{200, "", ""};  // the first batch arrives
      case 3:
        return answer{408, "", ""};  // not retried by OTLP
      default:
        return answer{400, "", "bad"};  // never retried
    }
  });
  otlp_sink s(options(srv.url));
  s.start();
  s.offer(call(1));
  wait_for([&] { return s.counters().sent.load() == 1; });
  s.offer(call(2));
  wait_for([&] { return s.counters().dropped.load() == 1; });
  s.offer(call(3));
  s.stop(2s);
  EXPECT_EQ(at(srv, "/v1/traces").size(), 5u);
  EXPECT_EQ(s.counters().sent.load(), 1u);
  EXPECT_EQ(s.counters().dropped.load(), 2u);
  EXPECT_EQ(s.counters().errors.load(), 2u);
}

TEST(OtlpSink, PartialSuccessRejectionsAreCountedAsDrops) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 2}}: field 1 { field 1 varint 2 }.
  const std::string response("\x0a\x02\x08\x02", 4);
  http_server srv([&](const request&) {
    return answer{200, "Content-Type: application/x-protobuf\r\n", response};
  });
  otlp_sink s(options(srv.url));
  for (uint64_t i = 1; i <= 3; ++i) s.offer(call(i));
  s.start();
  s.stop(2s);
  EXPECT_EQ(s.counters().sent.load(), 1u);
  EXPECT_EQ(s.counters().dropped.load(), 2u);
  EXPECT_EQ(
      rejected_items(R"({"partialSuccess":{"rejectedSpans":"4","errorMessage":"too big"}})", true),
      4);
  EXPECT_EQ(rejected_items("{}", true), 0);
  EXPECT_EQ(rejected_items("", false), 0);
}

TEST(OtlpSink, ADeadCollectorNeverBlocksAndAFullQueueDrops) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);  // nothing listens there now
  sink_options o = options("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)));
  o.queue_capacity = 10;
  o.retry.retries = 1;
  otlp_sink s(o);
  // Not started: the queue fills and the rest is dropped at once.
  auto t0 = std::chrono::steady_clock::now();
  size_t accepted = 0;
  for (uint64_t i = 1; i <= 50; ++i) accepted += s.offer(call(i)) ? 1 : 0;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  EXPECT_EQ(accepted, 10u);
  s.start();
  s.stop(1s);
  EXPECT_EQ(s.counters().received.load(), 50u);
  EXPECT_EQ(s.counters().sent.load(), 0u);
  EXPECT_EQ(s.counters().dropped.load(), 50u);  // 40 at the queue, 10 after the retries
  EXPECT_GE(s.counters().errors.load(), 1u);
  check_result c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("/v1/traces"), std::string::npos) << c.detail;
}

TEST(OtlpSink, CheckPostsAnEmptyExportAndHidesSecrets) {
  http_server srv([](const request& r) { return answer{r.body.empty() ? 200 : 400, "", ""}; });
  sink_options o = options(srv.url);
  o.endpoint = "http://user:pw@" + srv.url.substr(7);
  otlp_sink s(o);
  check_result c = s.check();
  EXPECT_TRUE(c.ok) << c.detail;
  EXPECT_EQ(c.detail.find("pw"), std::string::npos);
  EXPECT_EQ(c.detail.find("collector-secret"), std::string::npos);
  EXPECT_EQ(s.target(), srv.url);
  ASSERT_EQ(srv.requests().size(), 1u);
  EXPECT_EQ(srv.requests()[0].target, "/v1/traces");
  EXPECT_TRUE(srv.requests()[0].has_header("x-team: llm"));
}

TEST(OtlpSink, HeadersFromTheEnvironmentSyntax) {
  EXPECT_EQ(parse_headers("api-key=abc, x-team = llm ,authorization=Bearer%20t"),
            (std::vector<std::string>{"api-key: abc", "x-team: llm", "authorization: Bearer t"}));
  EXPECT_TRUE(parse_headers("bad key=1,x=a%0D%0AHost: evil,y:z=1").empty());  // no header splitting
}

}  // namespace
}  // namespace llmtap::sinks::otlp
