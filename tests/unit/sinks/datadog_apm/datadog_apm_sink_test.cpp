// The APM sink against a real HTTP server on loopback that answers as scripted: batching, the
// trace API's headers, retries with backoff, drops counted, and check() on /info.
#include "sinks/datadog_apm/datadog_apm.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

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

struct request {
  std::string method, path, head, body;
};

// One request per connection (Connection: close); answers from the script, then with `fallback`.
class scripted_server {
 public:
  scripted_server() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd_, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    thread_ = std::thread([this] { run(); });
  }
  ~scripted_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  void script(int status, std::string body = "{}") {
    std::lock_guard l(mu_);
    script_.push_back({status, std::move(body)});
  }
  std::vector<request> requests() {
    std::lock_guard l(mu_);
    return seen_;
  }
  std::string url;
  std::pair<int, std::string> fallback{200, R"({"rate_by_service":{}})"};

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  }
  void serve(int c) {
    std::string in;
    char buf[65536];
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      in.append(buf, static_cast<size_t>(n));
    }
    request r;
    r.head = in.substr(0, head_end);
    r.method = r.head.substr(0, r.head.find(' '));
    r.path = r.head.substr(r.method.size() + 1,
                           r.head.find(' ', r.method.size() + 1) - r.method.size() - 1);
    size_t length = 0;
    if (auto p = r.head.find("Content-Length: "); p != std::string::npos)
      length = std::stoul(r.head.substr(p + 16));
    r.body = in.substr(head_end + 4);
    while (r.body.size() < length) {
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) return;
      r.body.append(buf, static_cast<size_t>(n));
    }
    std::pair<int, std::string> answer;
    {
      std::lock_guard l(mu_);
      seen_.push_back(r);
      if (!script_.empty()) {
        answer = script_.front();
        script_.pop_front();
      } else {
        answer = fallback;
      }
    }
    std::string out = "HTTP/1.1 " + std::to_string(answer.first) +
                      " X\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(answer.second.size()) + "\r\nConnection: close\r\n\r\n" +
                      answer.second;
    ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
  }

  int fd_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::deque<std::pair<int, std::string>> script_;
  std::vector<request> seen_;
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
  EXPECT_EQ(reqs[0].path, "/v0.4/traces");
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
  EXPECT_EQ(agent.requests()[0].path, "/info");
  c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("does not list /v0.4/traces"), std::string::npos) << c.detail;
  c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("HTTP 404"), std::string::npos) << c.detail;
}

}  // namespace
}  // namespace llmtap::sinks
