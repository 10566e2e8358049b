// The sink against a real HTTP server on loopback that answers as the test says: the write URLs
// and headers of each flavor, gzip, batching, retries, drops counted, and check().
#include "sinks/line_protocol/line_protocol.h"

#include "eventually.h"
#include "http_test_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace llmtap::sinks {
namespace {

using namespace std::chrono_literals;

using request = test::http_request;
using answer = test::http_answer;
using test::http_server;

std::string gunzip(const std::string& in) {
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  std::string out(1 << 20, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  return rc == Z_STREAM_END ? out : "<not gzip>";
}

std::shared_ptr<const exchange> call(int i, bool sampled = false) {
  auto x = std::make_shared<exchange>();
  x->path = "/v1/embeddings";
  x->ep = endpoint::embeddings;
  x->model_requested = "text-embedding-3-small";
  x->status = 200;
  x->wall_start_unix_ns = 1'760'000'000'000'000'000 + i;
  x->t.accepted = 1000;
  x->t.last_byte = 2000;
  x->usage = {8, 0, 8, -1, -1, -1, -1, usage_source::reported};
  x->sampled = sampled;
  if (sampled) x->sample_input = R"(["embed me"])";
  return x;
}

line_protocol_options options(const std::string& url, lp::flavor f) {
  line_protocol_options o;
  o.url = url;
  o.target = f;
  o.flush_every = 30ms;
  o.retry.first_backoff = 5ms;
  o.retry.max_backoff = 20ms;
  return o;
}

size_t lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(LineProtocolSink, InfluxDb1BatchesCallsIntoOneWrite) {
  http_server srv([](const request&) { return answer{}; });
  line_protocol_options o = options(srv.url + "/", lp::flavor::influxdb1);
  o.database = "llm calls";
  line_protocol_sink s(o);
  s.start();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(s.offer(call(i)));
  s.stop(2s);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/write?db=llm%20calls&precision=ns");
  EXPECT_TRUE(reqs[0].has_header("Content-Type: text/plain; charset=utf-8"));
  EXPECT_EQ(reqs[0].head.find("Authorization"), std::string::npos);
  EXPECT_EQ(lines(reqs[0].body), 6u);  // two measurements per call
  EXPECT_EQ(s.counters().received.load(), 3u);
  EXPECT_EQ(s.counters().sent.load(), 6u);
  EXPECT_EQ(s.counters().errors.load(), 0u);
}

TEST(LineProtocolSink, InfluxDb2SendsTheTokenAndGzip) {
  http_server srv([](const request&) { return answer{}; });
  line_protocol_options o = options(srv.url, lp::flavor::influxdb2);
  o.org = "acme & co";
  o.bucket = "llm";
  o.token = "tok-secret-123";
  o.gzip = true;
  line_protocol_sink s(o);
  EXPECT_EQ(s.target().find("tok-secret"), std::string::npos);
  s.start();
  s.offer(call(1));
  s.stop(2s);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/api/v2/write?org=acme%20%26%20co&bucket=llm&precision=ns");
  EXPECT_TRUE(reqs[0].has_header("Authorization: Token tok-secret-123"));
  EXPECT_TRUE(reqs[0].has_header("Content-Encoding: gzip"));
  std::string body = gunzip(reqs[0].body);
  EXPECT_EQ(body.rfind("llmtap,endpoint=embeddings,model=text-embedding-3-small,", 0), 0u) << body;
  EXPECT_EQ(lines(body), 2u);
}

TEST(LineProtocolSink, DataKitMetricsAndSampledLogs) {
  http_server srv([](const request&) { return answer{200, "", "{}"}; });
  line_protocol_sink s(options(srv.url, lp::flavor::datakit));
  s.start();
  s.offer(call(1, false));
  s.offer(call(2, true));
  s.stop(2s);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/v1/write/metric?input=llmtap&precision=n");
  EXPECT_EQ(lines(reqs[0].body), 4u);
  EXPECT_EQ(reqs[1].target, "/v1/write/logging?input=llmtap&precision=n");
  EXPECT_EQ(lines(reqs[1].body), 1u);  // the sampled call only
  EXPECT_NE(reqs[1].body.find(R"(question="[\"embed me\"]")"), std::string::npos) << reqs[1].body;
  EXPECT_EQ(s.counters().sent.load(), 5u);
}

TEST(LineProtocolSink, RetriesA503ThenGivesUpOnA400AndCountsTheDrop) {
  std::atomic<int> n{0};
  http_server srv([&](const request&) {
    int k = n++;
    if (k == 0) return answer{503, "", "busy"};
    if (k == 1) return answer{204, "", ""};
    return answer{400, "", R"({"error":"unable to parse"})"};
  });
  line_protocol_sink s(options(srv.url, lp::flavor::influxdb1));
  s.start();
  s.offer(call(1));
  test_support::eventually([&] { return s.counters().sent.load() != 0; }, 1s);
  s.offer(call(2));
  s.stop(2s);
  EXPECT_EQ(srv.requests().size(), 3u);  // 503, retried to 204; then 400, not retried
  EXPECT_EQ(s.counters().sent.load(), 2u);
  EXPECT_EQ(s.counters().errors.load(), 1u);
  EXPECT_EQ(s.counters().dropped.load(), 2u);
}

TEST(LineProtocolSink, ADeadTargetNeverBlocksAndDropsAreCounted) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);  // nothing listens there now
  line_protocol_options o =
      options("http://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), lp::flavor::influxdb1);
  o.retry.retries = 1;
  line_protocol_sink s(o);
  s.start();
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) s.offer(call(i));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 100ms);
  s.stop(1s);
  EXPECT_EQ(s.counters().sent.load(), 0u);
  EXPECT_GE(s.counters().errors.load(), 1u);
  EXPECT_EQ(s.counters().dropped.load(), 200u);
  EXPECT_FALSE(s.check().ok);
  EXPECT_NE(s.check().detail.find("/ping"), std::string::npos) << s.check().detail;
}

TEST(LineProtocolSink, CheckReportsVersionsAndAMissingDatabase) {
  http_server influx([](const request& r) {
    if (r.target == "/ping") return answer{204, "X-Influxdb-Version: 1.6.7~rc0\r\n", ""};
    return answer{
        200, "",
        R"({"results":[{"statement_id":0,"series":[{"name":"databases","columns":["name"],"values":[["_internal"],["llmtap"]]}]}]})"};
  });
  line_protocol_options o = options(influx.url, lp::flavor::influxdb1);
  check_result ok = line_protocol_sink(o).check();
  EXPECT_TRUE(ok.ok) << ok.detail;
  EXPECT_NE(ok.detail.find("1.6.7~rc0"), std::string::npos) << ok.detail;
  o.database = "other";
  check_result missing = line_protocol_sink(o).check();
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.detail.find("database \"other\" does not exist"), std::string::npos);

  http_server datakit([](const request& r) {
    if (r.target == "/v1/ping")
      return answer{200, "", R"({"content":{"version":"1.62.1","uptime":"3h"}})"};
    return answer{404, "", ""};
  });
  check_result dk = line_protocol_sink(options(datakit.url, lp::flavor::datakit)).check();
  EXPECT_TRUE(dk.ok) << dk.detail;
  EXPECT_NE(dk.detail.find("DataKit 1.62.1"), std::string::npos) << dk.detail;
}

TEST(LineProtocolSink, OptionsThatCannotWorkAreRefused) {
  line_protocol_options o = options("http://127.0.0.1:1", lp::flavor::influxdb2);
  o.org = "acme";
  o.bucket = "b";
  EXPECT_THROW(line_protocol_sink{o}, std::invalid_argument);  // no token
  o = options("udp://127.0.0.1:1", lp::flavor::influxdb1);
  EXPECT_THROW(line_protocol_sink{o}, std::invalid_argument);
  o = options("http://127.0.0.1:1", lp::flavor::influxdb1);
  o.measurement = "";
  EXPECT_THROW(line_protocol_sink{o}, std::invalid_argument);
}

}  // namespace
}  // namespace llmtap::sinks
