// The DogStatsD sink against real sockets on this machine: a UDP receiver, a unix datagram
// receiver, a closed port; and check() as `llmtap info` uses it.
#include "sinks/dogstatsd/dogstatsd.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace llmtap::sinks {
namespace {

using namespace std::chrono_literals;

// A bound datagram socket that the test reads from.
struct receiver {
  int fd = -1;
  std::string url;
  std::string path;
  ~receiver() {
    if (fd >= 0) ::close(fd);
    if (!path.empty()) std::filesystem::remove(path);
  }
  static std::unique_ptr<receiver> udp() {
    auto r = std::make_unique<receiver>();
    r->fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(r->fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(r->fd, reinterpret_cast<sockaddr*>(&a), &len);
    r->url = "udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    return r;
  }
  static std::unique_ptr<receiver> unix_dgram() {
    auto r = std::make_unique<receiver>();
    r->path = (std::filesystem::temp_directory_path() /
               ("llmtap-dsd-" + std::to_string(::getpid()) + ".sock"))
                  .string();
    std::filesystem::remove(r->path);
    r->fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, r->path.c_str(), sizeof a.sun_path - 1);
    EXPECT_EQ(::bind(r->fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    r->url = "unix://" + r->path;
    return r;
  }
  // Every datagram that arrives until the line is quiet for `quiet`.
  std::vector<std::string> drain(std::chrono::milliseconds quiet = 300ms) {
    timeval tv{0, static_cast<suseconds_t>(std::chrono::microseconds(quiet).count())};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::vector<std::string> got;
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) >= 0;)
      got.emplace_back(buf, static_cast<size_t>(n));
    return got;
  }
};

std::shared_ptr<const exchange> call(const std::string& model, uint16_t status = 200) {
  auto x = std::make_shared<exchange>();
  x->method = "POST";
  x->path = "/v1/chat/completions";
  x->ep = endpoint::chat_completions;
  x->model_requested = model;
  x->key_label = "sk-...wxyz";
  x->status = status;
  x->t.accepted = 1'000'000;
  x->t.last_byte = 51'000'000;
  x->limits.limit_requests = 500;
  x->limits.remaining_requests = 499;
  x->usage.input_tokens = 10;
  x->usage.output_tokens = 5;
  x->usage.total_tokens = 15;
  x->usage.source = usage_source::reported;
  return x;
}

size_t count_lines(const std::vector<std::string>& datagrams) {
  size_t n = 0;
  for (const auto& d : datagrams)
    n += 1 + static_cast<size_t>(std::count(d.begin(), d.end(), '\n'));
  return n;
}

TEST(DogStatsDSink, PacksWholeLinesIntoUdpDatagramsUpToTheLimit) {
  auto rx = receiver::udp();
  dogstatsd_options o;
  o.url = rx->url;
  o.max_datagram = 600;  // a line is ~250 bytes here: two fit in a datagram, a third does not
  o.flush_every = 20ms;
  o.aggregate = false;   // one line per call and metric
  dogstatsd_sink s(o);
  s.start();
  for (int i = 0; i < 3; ++i) s.offer(call("gpt-4o-mini"));
  s.stop(2s);
  auto got = rx->drain();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(count_lines(got), 3u * 6u);  // 2 gauges + 3 token distributions + duration per call
  for (const auto& d : got) {
    EXPECT_LE(d.size(), 600u);
    EXPECT_NE(d.back(), '\n');
    EXPECT_EQ(d.rfind("openai.", 0), 0u) << d;  // every datagram starts with a whole line
  }
  EXPECT_EQ(s.counters().received.load(), 3u);
  EXPECT_EQ(s.counters().sent.load(), 18u);
  EXPECT_EQ(s.counters().errors.load(), 0u);
}

TEST(DogStatsDSink, BigDatagramsCarrySeveralLines) {
  auto rx = receiver::udp();
  dogstatsd_options o;
  o.url = rx->url;
  o.max_datagram = 8192;
  o.flush_every = 20ms;
  o.aggregate = false;
  dogstatsd_sink s(o);
  s.start();
  for (int i = 0; i < 4; ++i) s.offer(call("m" + std::to_string(i)));
  s.stop(2s);
  auto got = rx->drain();
  EXPECT_EQ(count_lines(got), 24u);
  EXPECT_LT(got.size(), 24u);
  for (const auto& d : got) EXPECT_LE(d.size(), 8192u);
}

// Calls with the same tags in one flush share their lines: one packed distribution line per
// metric, a gauge's latest value, summed error counts; the counters still count per-call lines.
TEST(DogStatsDSink, AggregatesTheCallsOfOneFlush) {
  auto rx = receiver::udp();
  dogstatsd_options o;
  o.url = rx->url;
  o.max_datagram = 1432;
  o.flush_every = 200ms;  // the three calls are offered well within one flush
  dogstatsd_sink s(o);
  s.start();
  for (int i = 0; i < 3; ++i) {
    auto x = std::make_shared<exchange>(*call("gpt-4o-mini", 500));
    x->usage.input_tokens = 10 + i;
    x->limits.remaining_requests = 499 - i;
    s.offer(x);
  }
  s.stop(2s);
  auto got = rx->drain();
  std::string all;
  for (const auto& d : got) all += d + "\n";
  auto line_of = [&](const std::string& name) {
    size_t at = all.find(name + ":");
    if (at == std::string::npos) return std::string();
    return all.substr(at, all.find('|', at) - at);
  };
  EXPECT_EQ(line_of("openai.tokens.prompt"), "openai.tokens.prompt:10:11:12");
  EXPECT_EQ(line_of("openai.tokens.completion"), "openai.tokens.completion:5:5:5");
  EXPECT_EQ(line_of("openai.ratelimit.remaining.requests"), "openai.ratelimit.remaining.requests:497");
  EXPECT_EQ(line_of("openai.request.error"), "openai.request.error:3");
  EXPECT_EQ(count_lines(got), 7u);  // 2 gauges, 3 token distributions, duration, error count
  EXPECT_EQ(s.counters().received.load(), 3u);
  EXPECT_EQ(s.counters().sent.load(), 21u);  // 7 lines per call
  EXPECT_EQ(s.counters().dropped.load(), 0u);
}

TEST(DogStatsDSink, UnixDatagramSocket) {
  auto rx = receiver::unix_dgram();
  dogstatsd_options o;
  o.url = rx->url;
  o.max_datagram = 8192;
  o.flush_every = 20ms;
  dogstatsd_sink s(o);
  EXPECT_TRUE(s.check().ok) << s.check().detail;
  s.start();
  s.offer(call("gpt-4.1", 500));
  s.stop(2s);
  auto got = rx->drain();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("openai.request.error:1|c|#"), std::string::npos) << got[0];
  EXPECT_NE(got[0].find("error_type:openai.InternalServerError"), std::string::npos) << got[0];
}

TEST(DogStatsDSink, NothingListeningIsCountedNeverFatal) {
  std::string url;
  {
    auto rx = receiver::udp();  // a port that was free a moment ago, now closed
    url = rx->url;
  }
  dogstatsd_options o;
  o.url = url;
  o.flush_every = 20ms;
  dogstatsd_sink s(o);
  check_result c = s.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("nothing listening"), std::string::npos) << c.detail;
  s.start();
  // The first datagram goes out; the port's ICMP refusal fails a later send on the connected
  // socket.
  for (int i = 0; i < 3; ++i) {
    s.offer(call("gpt-4o"));
    std::this_thread::sleep_for(100ms);
  }
  s.stop(2s);
  EXPECT_EQ(s.counters().received.load(), 3u);
  EXPECT_GE(s.counters().errors.load(), 1u);
  EXPECT_GE(s.counters().dropped.load(), 1u);
  EXPECT_EQ(s.counters().sent.load() + s.counters().dropped.load(),
            18u);  // every line accounted for
}

TEST(DogStatsDSink, CheckSaysWhatItChecked) {
  auto rx = receiver::udp();
  dogstatsd_sink s(dogstatsd_options{rx->url});
  check_result c = s.check();
  EXPECT_TRUE(c.ok) << c.detail;
  EXPECT_NE(c.detail.find("not refused"), std::string::npos) << c.detail;

  dogstatsd_sink missing(dogstatsd_options{"unix:///nonexistent/llmtap/dsd.socket"});
  c = missing.check();
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.detail.find("No such file"), std::string::npos) << c.detail;
}

TEST(DogStatsDSink, MissingUnixSocketDropsAndCountsThenRecovers) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("llmtap-dsd-late-" + std::to_string(::getpid()) + ".sock"))
                         .string();
  std::filesystem::remove(path);
  dogstatsd_options o;
  o.url = "unix://" + path;
  o.flush_every = 20ms;
  dogstatsd_sink s(o);
  s.start();
  s.offer(call("gpt-4o"));
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(s.counters().dropped.load(), 6u);
  // The Agent comes up: the sink opens the socket again (at most once a second).
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::this_thread::sleep_for(1100ms);
  s.offer(call("gpt-4o"));
  s.stop(2s);
  timeval tv{0, 300000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[65536];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  EXPECT_GT(n, 0);
  EXPECT_EQ(s.counters().sent.load(), 6u);
  ::close(fd);
  std::filesystem::remove(path);
}

TEST(DogStatsDSink, BadUrlsAreRefused) {
  EXPECT_THROW(parse_dogstatsd_url("tcp://localhost:8125"), std::invalid_argument);
  EXPECT_THROW(parse_dogstatsd_url("udp://localhost"), std::invalid_argument);
  EXPECT_THROW(parse_dogstatsd_url("udp://localhost:99999"), std::invalid_argument);
  EXPECT_THROW(parse_dogstatsd_url("unix://"), std::invalid_argument);
  auto a = parse_dogstatsd_url("udp://[::1]:8125");
  EXPECT_EQ(a.host, "::1");
  EXPECT_EQ(a.port, "8125");
  EXPECT_TRUE(parse_dogstatsd_url("unix:///var/run/datadog/dsd.socket").unix_socket);
}

}  // namespace
}  // namespace llmtap::sinks
