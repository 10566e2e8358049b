// The APM sink against a real HTTP server on loopback that answers as scripted: batching, the
// trace API's headers, retries with backoff, drops counted, and check() on /info.
#include "sinks/datadog_apm/datadog_apm.h"

#include "http_test_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace llmtap::sinks {
namespace {

using namespace std::chrono_literals;

using request = test::http_request;

// Answers from the script, then with `fallback`.
class scripted_server {
 public:
  scripted_server() : server_([this](const request&) { return next(); }), url(server_.url) {}
  void script(int status, std::string body = "{}") {
    std::lock_guard l(mu_);
    script_.push_back({status, std::move(body)});
  }
  std::vector<request> requests() { return server_.requests(); }
  std::pair<int, std::string> fallback{200, R"({"rate_by_service":{}})"};

 private:
  test::http_answer next() {
    std::lock_guard l(mu_);
    std::pair<int, std::string> a = fallback;
    if (!script_.empty()) {
      a = script_.front();
      script_.pop_front();
    }
    return {a.first, "Content-Type: application/json\r\n", a.second};
  }
  std::mutex mu_;
  std::deque<std::pair<int, std::string>> script_;
  test::http_server server_;  // last: its thread stops before the script goes away

 public:
  std::string url;
};

std::shared_ptr<const exchange> call(uint64_t span) {
  auto x = std::make_shared<exchange>();
  x->method = "POST";
  x->path = "/v1/embeddings";
  x->ep = endpoint::embeddings;
  x->model_requested = "text-embedding-3-small";
  x->status = 200;
  x->wall_start_unix_ns = 1'760'000'000'000'000'000;
  x->t.accepted = 1000;
  x->t.last_byte = 2000;
  x->trace.trace_id_lo = 77;
  x->trace.span_id = span;
  return x;
}

datadog_apm_options options(const std::string& url) {
  datadog_apm_options o;
  o.agent_url = url;
  o.flush_every = 50ms;
  o.retry.first_backoff = 10ms;
  o.retry.max_backoff = 40ms;
  o.retry.timeout = 2s;
  o.tracer_version = "9.9.9";
  return o;
}

TEST(DatadogApmSink, BatchesSpansIntoOneV04Payload) {
  scripted_server agent;
  datadog_apm_sink s(options(agent.url));
  EXPECT_EQ(s.target(), agent.url + "/v0.4/traces");
  s.start();
  for (uint64_t i = 1; i <= 5; ++i) s.offer(call(i));
  s.stop(3s);
  auto reqs = agent.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/v0.4/traces");
  EXPECT_NE(reqs[0].head.find("Content-Type: application/msgpack"), std::string::npos);
  EXPECT_NE(reqs[0].head.find("X-Datadog-Trace-Count: 5"), std::string::npos);
  EXPECT_NE(reqs[0].head.find("Datadog-Meta-Tracer-Version: 9.9.9"), std::string::npos);
  auto p = nlohmann::json::from_msgpack(reqs[0].body);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[4][0]["span_id"].get<uint64_t>(), 5u);
  EXPECT_EQ(p[0][0]["resource"], "createEmbedding");
  EXPECT_EQ(s.counters().sent.load(), 5u);
  EXPECT_EQ(s.counters().dropped.load(), 0u);
}

TEST(DatadogApmSink, RetriesWithBackoffThenDelivers) {
  scripted_server agent;
  agent.script(503);
  agent.script(429);
  datadog_apm_sink s(options(agent.url));
  s.start();
  s.offer(call(1));
  s.stop(3s);
  auto reqs = agent.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].body, reqs[0].body);  // the same spans each time
  EXPECT_EQ(s.counters().sent.load(), 1u);
  EXPECT_EQ(s.counters().errors.load(), 0u);
}

TEST(DatadogApmSink, GivesUpAfterItsRetriesAndCountsTheDrop) {
  scripted_server agent;
  agent.fallback = {503, "{}"};
  auto o = options(agent.url);
  o.retry.retries = 2;
  datadog_apm_sink s(o);
  s.start();
  s.offer(call(1));
  s.offer(call(2));
  s.stop(3s);
  EXPECT_EQ(agent.requests().size(), 3u);  // the first try and two retries
  EXPECT_EQ(s.counters().sent.load(), 0u);
  EXPECT_EQ(s.counters().errors.load(), 1u);
  EXPECT_EQ(s.counters().dropped.load(), 2u);
}

TEST(DatadogApmSink, DeadAgentNeverBlocksStop) {
  std::string url;
  {
    scripted_server gone;
    url = gone.url;
  }
  auto o = options(url);
  o.retry.retries = 50;
  o.retry.first_backoff = 100ms;
  o.flush_every = 10s;  // the only delivery is the one stop() drains
  datadog_apm_sink s(o);
  s.start();
  s.offer(call(1));
  auto t0 = std::chrono::steady_clock::now();
  s.stop(500ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  EXPECT_EQ(s.counters().dropped.load(), 1u);
  check_result c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find(url + "/info"), std::string::npos) << c.detail;
}

TEST(DatadogApmSink, CheckReadsTheAgentsInfo) {
  scripted_server agent;
  agent.script(
      200, R"({"version":"7.52.0","endpoints":["/v0.3/traces","/v0.4/traces","/v0.5/traces"]})");
  agent.script(200, R"({"version":"6.0.0","endpoints":["/v0.3/traces"]})");
  agent.script(404, "404 page not found");
  datadog_apm_sink s(options(agent.url));
  check_result c = s.check();
  EXPECT_TRUE(c.ok);
  EXPECT_EQ(c.detail, "Datadog Agent 7.52.0 at " + agent.url + " (from /info), spans to " +
                          agent.url + "/v0.4/traces");
  EXPECT_EQ(agent.requests()[0].method, "GET");
  EXPECT_EQ(agent.requests()[0].target, "/info");
  c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("does not list /v0.4/traces"), std::string::npos) << c.detail;
  c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("HTTP 404"), std::string::npos) << c.detail;
}

}  // namespace
}  // namespace llmtap::sinks
