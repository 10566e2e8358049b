// A small HTTP/1.1 client for the parts of the benchmark wrk cannot measure (bench/README.md):
//   seq    N sequential calls on one kept-alive connection; per call: time to the first byte,
//          to the first SSE event with content (time to first token), to the end, and the gaps
//          between SSE events. Prints one JSON line of percentiles (microseconds).
//   hold   N concurrent streamed calls, one connection each, read as they arrive (poll); prints
//          a progress line every 200 ms ("connected=.. streaming=.. done=.. failed=..").
//   drain  a UDP receiver (a stand-in for the Datadog Agent's DogStatsD port) that counts
//          datagrams and lines until SIGTERM/SIGINT, then prints them.
// Loopback only (an IPv4 host:port). The response parser knows Content-Length and chunked
// framing, which is all the mocks and proxies under test send.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "response_reader.h"

namespace {

using bench::response_reader;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct options {
  std::string mode, host = "127.0.0.1", path = "/v1/chat/completions", body_file;
  int port = 0, n = 100, warmup = 20, timeout_s = 60;
  bool trace = false;  // a W3C traceparent per call, its trace id derived from the call's index
  std::vector<std::string> headers;
};

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "bench_client: %s\n", m.c_str());
  std::exit(2);
}

options parse(int argc, char** argv) {
  if (argc < 2) die("usage: bench_client seq|hold|drain --target HOST:PORT [--body FILE] [--n N] [--warmup N] [--header 'K: V']... [--path P] [--timeout S] [--trace]");
  options o;
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--target") {
      std::string t = val();
      auto c = t.rfind(':');
      if (c == std::string::npos) die("--target wants HOST:PORT");
      o.host = t.substr(0, c);
      o.port = std::atoi(t.c_str() + c + 1);
    } else if (a == "--port") o.port = std::atoi(val().c_str());
    else if (a == "--body") o.body_file = val();
    else if (a == "--n") o.n = std::atoi(val().c_str());
    else if (a == "--warmup") o.warmup = std::atoi(val().c_str());
    else if (a == "--header") o.headers.push_back(val());
    else if (a == "--path") o.path = val();
    else if (a == "--timeout") o.timeout_s = std::atoi(val().c_str());
    else if (a == "--trace") o.trace = true;
    else die("unknown argument " + a);
  }
  if (o.port <= 0) die("--target HOST:PORT (or --port for drain) is required");
  return o;
}

std::string request_bytes(const options& o) {
  std::ifstream in(o.body_file, std::ios::binary);
  if (!in) die("cannot read --body " + o.body_file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string body = ss.str();
  std::string r = "POST " + o.path + " HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
                  "\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                  "User-Agent: OpenAI/Python 1.54.0\r\nAuthorization: Bearer sk-bench-0000000000000000000000000000\r\n";
  for (const auto& h : o.headers) r += h + "\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  return r;
}

// The same request with a traceparent whose trace id is a function of `i` alone: llmtap samples
// on the trace id, so with --trace the same calls are sampled in every run (repeatable
// instruction counts under callgrind).
std::string with_trace(const std::string& req, uint64_t i) {
  auto mix = [](uint64_t z) {
    z += 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
  };
  char h[96];
  std::snprintf(h, sizeof h, "traceparent: 00-%016llx%016llx-%016llx-01\r\n",
                static_cast<unsigned long long>(mix(i) | 1), static_cast<unsigned long long>(mix(i + (1ull << 40)) | 1),
                static_cast<unsigned long long>(mix(i + (2ull << 40)) | 1));
  size_t at = req.find("\r\n") + 2;
  return req.substr(0, at) + h + req.substr(at);
}

int connect_to(const options& o, bool nonblocking) {
  int fd = ::socket(AF_INET, SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr) != 1) die("--target host must be an IPv4 address");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool write_all(int fd, std::string_view b) {
  while (!b.empty()) {
    ssize_t n = ::send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    b.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// ---- seq ---------------------------------------------------------------------------------
int run_seq(const options& o) {
  const std::string req = request_bytes(o);
  int fd = connect_to(o, false);
  if (fd < 0) die("cannot connect to " + o.host + ":" + std::to_string(o.port));
  timeval tv{o.timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<double> first_byte, ttft, total, gaps;
  int errors = 0, non2xx = 0, events_total = 0;
  std::vector<char> buf(64 * 1024);
  for (int i = 0; i < o.warmup + o.n; ++i) {
    response_reader rr;
    const std::string traced = o.trace ? with_trace(req, static_cast<uint64_t>(i)) : std::string();
    int64_t t0 = now_ns(), tfb = 0, tft = 0, last_event = 0;
    if (!write_all(fd, o.trace ? traced : req)) { ++errors; break; }
    bool ok = true;
    std::vector<double> my_gaps;
    while (!rr.done()) {
      ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) { ok = false; break; }
      int64_t t = now_ns();
      if (!tfb) tfb = t;
      rr.feed(std::string_view(buf.data(), static_cast<size_t>(n)), [&](bool has_content) {
        if (has_content && !tft) tft = t;
        if (last_event) my_gaps.push_back(static_cast<double>(t - last_event) / 1e3);
        last_event = t;
      });
      if (rr.failed()) { ok = false; break; }
    }
    if (!ok) { ++errors; break; }  // the connection is unusable: stop here, report the error
    if (rr.status() < 200 || rr.status() > 299) ++non2xx;
    if (i < o.warmup) continue;
    int64_t tend = now_ns();
    first_byte.push_back(static_cast<double>(tfb - t0) / 1e3);
    if (tft) ttft.push_back(static_cast<double>(tft - t0) / 1e3);
    total.push_back(static_cast<double>(tend - t0) / 1e3);
    gaps.insert(gaps.end(), my_gaps.begin(), my_gaps.end());
    events_total += rr.events();
    if (!rr.keep_alive()) {
      ::close(fd);
      fd = connect_to(o, false);
      if (fd < 0) { ++errors; break; }
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
  }
  if (fd >= 0) ::close(fd);
  std::printf(
      "{\"calls\":%zu,\"errors\":%d,\"non2xx\":%d,\"events_per_call\":%.1f,"
      "\"first_byte_p50_us\":%.1f,\"first_byte_p90_us\":%.1f,\"first_byte_p99_us\":%.1f,"
      "\"ttft_p50_us\":%.1f,\"ttft_p90_us\":%.1f,\"ttft_p99_us\":%.1f,"
      "\"total_p50_us\":%.1f,\"total_p99_us\":%.1f,\"gap_p50_us\":%.1f,\"gap_p90_us\":%.1f,\"gap_p99_us\":%.1f}\n",
      total.size(), errors, non2xx, total.empty() ? 0.0 : static_cast<double>(events_total) / static_cast<double>(total.size()),
      pct(first_byte, 50), pct(first_byte, 90), pct(first_byte, 99), pct(ttft, 50), pct(ttft, 90), pct(ttft, 99),
      pct(total, 50), pct(total, 99), pct(gaps, 50), pct(gaps, 90), pct(gaps, 99));
  return errors ? 1 : 0;
}

// ---- hold --------------------------------------------------------------------------------
int run_hold(const options& o) {
  const std::string req = request_bytes(o);
  struct conn {
    int fd = -1;
    size_t sent = 0;
    bool streaming = false, done = false, failed = false;
    response_reader rr;
  };
  std::vector<conn> cs(static_cast<size_t>(o.n));
  int connected = 0;
  for (auto& c : cs) {
    c.fd = connect_to(o, true);
    if (c.fd < 0) c.failed = true;
  }
  std::vector<char> buf(64 * 1024);
  int64_t start = now_ns(), last_report = 0, deadline = start + int64_t{o.timeout_s} * 1'000'000'000;
  std::vector<pollfd> pfds;
  std::vector<size_t> idx;
  for (;;) {
    int streaming = 0, done = 0, failed = 0;
    connected = 0;
    pfds.clear();
    idx.clear();
    for (size_t i = 0; i < cs.size(); ++i) {
      auto& c = cs[i];
      if (c.failed) { ++failed; continue; }
      if (c.done) { ++done; continue; }
      if (c.sent == req.size()) ++connected;
      if (c.streaming) ++streaming;
      pfds.push_back({c.fd, static_cast<short>(c.sent < req.size() ? POLLOUT : POLLIN), 0});
      idx.push_back(i);
    }
    int64_t t = now_ns();
    if (t - last_report >= 200'000'000 || pfds.empty()) {
      std::printf("t=%.1f connected=%d streaming=%d done=%d failed=%d\n", static_cast<double>(t - start) / 1e9,
                  connected, streaming, done, failed);
      std::fflush(stdout);
      last_report = t;
    }
    if (pfds.empty()) return failed ? 1 : 0;
    if (t > deadline) {
      std::printf("timeout: %zu streams still open\n", pfds.size());
      return 1;
    }
    int r = ::poll(pfds.data(), pfds.size(), 100);
    if (r < 0 && errno != EINTR) die(std::string("poll: ") + std::strerror(errno));
    for (size_t k = 0; k < pfds.size(); ++k) {
      if (!pfds[k].revents) continue;
      auto& c = cs[idx[k]];
      if (c.sent < req.size()) {
        ssize_t n = ::send(c.fd, req.data() + c.sent, req.size() - c.sent, MSG_NOSIGNAL);
        if (n > 0) c.sent += static_cast<size_t>(n);
        else if (errno != EAGAIN && errno != EINPROGRESS) { c.failed = true; ::close(c.fd); }
        continue;
      }
      ssize_t n = ::recv(c.fd, buf.data(), buf.size(), 0);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) { c.failed = true; ::close(c.fd); continue; }
      c.rr.feed(std::string_view(buf.data(), static_cast<size_t>(n)), [&](bool) { c.streaming = true; });
      if (c.rr.failed() || (c.rr.done() && (c.rr.status() < 200 || c.rr.status() > 299))) { c.failed = true; ::close(c.fd); }
      else if (c.rr.done()) { c.done = true; ::close(c.fd); }
    }
  }
}

// ---- drain -------------------------------------------------------------------------------
volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int run_drain(const options& o) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(o.port));
  ::inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die(std::string("bind: ") + std::strerror(errno));
  struct sigaction sa{};
  sa.sa_handler = on_signal;  // no SA_RESTART: recv returns EINTR
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::vector<char> buf(65536);
  uint64_t datagrams = 0, lines = 0, bytes = 0;
  while (!g_stop) {
    ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) continue;
    ++datagrams;
    bytes += static_cast<uint64_t>(n);
    lines += 1 + static_cast<uint64_t>(std::count(buf.data(), buf.data() + n, '\n'));
  }
  std::printf("{\"datagrams\":%llu,\"lines\":%llu,\"bytes\":%llu}\n", static_cast<unsigned long long>(datagrams),
              static_cast<unsigned long long>(lines), static_cast<unsigned long long>(bytes));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse(argc, argv);
  if (o.mode == "seq") return run_seq(o);
  if (o.mode == "hold") return run_hold(o);
  if (o.mode == "drain") return run_drain(o);
  die("unknown mode " + o.mode);
}
