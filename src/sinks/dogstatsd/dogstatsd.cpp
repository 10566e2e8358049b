#include "sinks/dogstatsd/dogstatsd.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "core/debug_log.h"

namespace llmtap::sinks {
namespace {

// The most calls one deliver() packs: bounds the lines buffer (a call is ~1-2 KB of lines).
constexpr size_t kMaxBatch = 512;

struct opened {
  int fd = -1;
  std::string error;     // empty when fd >= 0
  std::string resolved;  // the address connected to, for messages
};

std::string numeric_host(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) !=
      0)
    return "?";
  return sa->sa_family == AF_INET6 ? fmt::format("[{}]:{}", host, serv)
                                   : fmt::format("{}:{}", host, serv);
}

// A connected, non-blocking datagram socket: sends never wait on a slow Agent, and a connected
// UDP socket reports the ICMP "port unreachable" of a closed port as ECONNREFUSED.
opened open_socket(const dogstatsd_address& a) {
  opened r;
  if (a.unix_socket) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    if (a.path.size() >= sizeof sun.sun_path) return {-1, "socket path too long: " + a.path, {}};
    std::memcpy(sun.sun_path, a.path.c_str(), a.path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return {-1, std::string("socket: ") + std::strerror(errno), {}};
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
      int e = errno;
      ::close(fd);
      return {-1, fmt::format("unix datagram socket {}: {}", a.path, std::strerror(e)), {}};
    }
    return {fd, {}, a.path};
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  if (int rc = ::getaddrinfo(a.host.c_str(), a.port.c_str(), &hints, &res); rc != 0)
    return {-1, fmt::format("resolving {}: {}", a.host, gai_strerror(rc)), {}};
  std::string last = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) {
      last = std::strerror(errno);
      continue;
    }
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
      r = {fd, {}, numeric_host(ai->ai_addr, ai->ai_addrlen)};
      break;
    }
    last = std::strerror(errno);
    ::close(fd);
  }
  ::freeaddrinfo(res);
  if (r.fd < 0) r.error = fmt::format("udp {}:{}: {}", a.host, a.port, last);
  return r;
}

}  // namespace

dogstatsd_address parse_dogstatsd_url(const std::string& url) {
  dogstatsd_address a;
  if (url.rfind("unix://", 0) == 0) {
    a.unix_socket = true;
    a.path = url.substr(7);
    if (a.path.empty()) throw std::invalid_argument("dogstatsd url " + url + " has no socket path");
    return a;
  }
  if (url.rfind("udp://", 0) != 0)
    throw std::invalid_argument("dogstatsd url " + url + " must start with udp:// or unix://");
  std::string hp = url.substr(6);
  while (!hp.empty() && hp.back() == '/') hp.pop_back();
  size_t colon = hp.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == hp.size())
    throw std::invalid_argument("dogstatsd url " + url + " needs host:port");
  a.host = hp.substr(0, colon);
  a.port = hp.substr(colon + 1);
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']')
    a.host = a.host.substr(1, a.host.size() - 2);
  if (a.port.find_first_not_of("0123456789") != std::string::npos || a.port.size() > 5 ||
      std::stoi(a.port) == 0 || std::stoi(a.port) > 65535)
    throw std::invalid_argument("dogstatsd url " + url + ": bad port " + a.port);
  return a;
}

dogstatsd_sink::dogstatsd_sink(dogstatsd_options o)
    : queued_sink(o.queue_capacity, o.flush_every, kMaxBatch),
      o_(std::move(o)),
      addr_(parse_dogstatsd_url(o_.url)),
      encoder_(metric_options{o_.high_cardinality_tags}),
      packer_(o_.max_datagram) {
  lines_.reserve(64 * 1024);
}

dogstatsd_sink::~dogstatsd_sink() {
  stop(std::chrono::seconds(2));
  if (fd_ >= 0) ::close(fd_);
}

// Opens the socket when there is none, at most once a second (the Agent may not be up yet).
bool dogstatsd_sink::ensure_socket() {
  if (fd_ >= 0) return true;
  auto now = std::chrono::steady_clock::now();
  if (now < next_open_) return false;
  next_open_ = now + std::chrono::seconds(1);
  opened s = open_socket(addr_);
  if (s.fd < 0) {
    if (s.error != open_error_) debug_line("dogstatsd: cannot open " + o_.url + ": " + s.error);
    open_error_ = s.error;
    return false;
  }
  fd_ = s.fd;
  open_error_.clear();
  debug_line(fmt::format("dogstatsd: sending to {} ({})", o_.url, s.resolved));
  return true;
}

bool dogstatsd_sink::send_datagram(std::string_view d, size_t lines) {
  ssize_t n = ::send(fd_, d.data(), d.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n == static_cast<ssize_t>(d.size())) {
    if (debug_enabled())
      debug_line(fmt::format("dogstatsd: sent {} lines ({} bytes) to {}", lines, d.size(), o_.url));
    return true;
  }
  int e = n < 0 ? errno : EMSGSIZE;
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  if (debug_enabled())
    debug_line(fmt::format("dogstatsd: dropped {} lines ({} bytes) to {}: {}", lines, d.size(),
                           o_.url, std::strerror(e)));
  // A unix socket whose Agent restarted must be reconnected; UDP keeps its socket (the next
  // datagram goes through once something listens again).
  if (addr_.unix_socket && (e == ECONNREFUSED || e == ENOENT || e == ENOTCONN)) {
    ::close(fd_);
    fd_ = -1;
  }
  return false;
}

void dogstatsd_sink::deliver(std::vector<item>& batch) {
  lines_.clear();
  size_t calls_lines = 0;  // the per-call lines this batch stands for: what sent/dropped count
  if (o_.aggregate) {
    for (size_t i = 0; i < batch.size(); ++i) {
      prefetch_ahead(batch, i);
      calls_lines += encoder_.collect(*batch[i], aggregator_);
    }
    aggregator_.take(lines_, o_.max_datagram);
  } else {
    for (const auto& x : batch) calls_lines += encoder_.append(*x, lines_);
  }
  if (!ensure_socket()) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    counters_.dropped.fetch_add(calls_lines, std::memory_order_relaxed);
    if (debug_enabled())
      debug_line(fmt::format("dogstatsd: dropped {} lines: {}", calls_lines, open_error_));
    return;
  }
  size_t wire_lines = 0, wire_sent = 0;
  auto send = [&](std::string_view d, size_t n) {
    wire_lines += n;
    if (fd_ >= 0 && send_datagram(d, n)) wire_sent += n;
  };
  packer_.add(lines_, send);
  packer_.flush(send);
  // Aggregated lines stand for several per-call lines: a lost datagram loses its share of them.
  size_t sent = wire_sent == wire_lines ? calls_lines
                : wire_lines == 0       ? 0
                                        : calls_lines * wire_sent / wire_lines;
  counters_.sent.fetch_add(sent, std::memory_order_relaxed);
  counters_.dropped.fetch_add(calls_lines - sent, std::memory_order_relaxed);
}

check_result dogstatsd_sink::check() {
  opened s = open_socket(addr_);
  if (s.fd < 0) return {false, s.error};
  check_result r;
  if (addr_.unix_socket) {
    r = {true, fmt::format("unix datagram socket {} accepts connections", addr_.path)};
  } else {
    // An empty datagram: the Agent parses no line from it, a closed port answers with ICMP.
    ::send(s.fd, "", 0, MSG_NOSIGNAL);
    pollfd p{s.fd, POLLIN, 0};
    ::poll(&p, 1, 300);
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err == ECONNREFUSED)
      r = {false, fmt::format("udp {} ({}): nothing listening (the host refused a probe datagram)",
                              addr_.host, s.resolved)};
    else if (err != 0)
      r = {false, fmt::format("udp {} ({}): {}", addr_.host, s.resolved, std::strerror(err))};
    else
      r = {true,
           fmt::format("udp {} ({}): a probe datagram was not refused (UDP is not acknowledged: "
                       "this shows no closed port, not a listening Agent)",
                       addr_.host, s.resolved)};
  }
  ::close(s.fd);
  return r;
}

}  // namespace llmtap::sinks
