// byte_relay: the floor of a user-space proxy on this machine, for the benchmark only
// (bench/README.md, "The floor"). It accepts loopback TCP connections and, for each, opens one to
// the upstream and copies bytes both ways unchanged: no HTTP parsing, no capture, no timers, no
// allocation per event. Per upstream event it makes the fewest system calls a readiness-based proxy
// can make: one epoll_wait, one read, one write. What it adds to a call is what any proxy built on
// epoll pays here (the kernel, the scheduler, the hypervisor's wake-ups); what llmtap adds beyond
// it is llmtap's own.
//   byte_relay --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT [--busy-poll]
// --busy-poll: never block in epoll_wait (timeout 0): the CPU never halts between events, at the
// price of spinning it at 100% (HAProxy's "busy-polling" does the same, for VMs).
// Single-threaded. A connection pair closes when either side closes or fails. Not a product part:
// it forwards whatever it gets to one fixed upstream and trusts both ends.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "byte_relay: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

sockaddr_in parse_ipv4(const std::string& host_port) {
  const auto colon = host_port.rfind(':');
  sockaddr_in a{};
  a.sin_family = AF_INET;
  if (colon == std::string::npos ||
      inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &a.sin_addr) != 1) {
    std::fprintf(stderr, "byte_relay: expected IPv4 host:port, got '%s'\n", host_port.c_str());
    std::exit(2);
  }
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(host_port.c_str() + colon + 1)));
  return a;
}

// One direction's pending bytes when the receiver's socket buffer was full (rare on loopback).
struct side {
  int fd = -1;
  int peer = -1;          // the fd this side's bytes are written to
  std::string backlog;    // bytes read from this side not yet written to the peer
  bool want_out = false;  // registered for EPOLLOUT on the peer
};

int g_epoll = -1;
std::vector<side> g_sides;  // indexed by fd

void watch(int fd, uint32_t events, int op) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  if (epoll_ctl(g_epoll, op, fd, &ev) != 0) die("epoll_ctl");
}

void close_pair(int fd) {
  const int peer = g_sides[fd].peer;
  for (int f : {fd, peer}) {
    if (f < 0 || g_sides[f].fd < 0) continue;
    close(f);
    g_sides[f] = side{};
  }
}

// Writes what `from` read to its peer; keeps the rest and waits for the peer to drain.
bool forward(int from, const char* data, size_t n) {
  side& s = g_sides[from];
  if (!s.backlog.empty()) {  // keep the order: behind what already waits
    s.backlog.append(data, n);
    return true;
  }
  while (n > 0) {
    const ssize_t w = send(s.peer, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return false;
      s.backlog.append(data, n);
      if (!s.want_out) {
        s.want_out = true;
        watch(s.peer, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
      }
      return true;
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

void on_readable(int fd) {
  static char buf[64 * 1024];
  for (;;) {
    const ssize_t r = recv(fd, buf, sizeof buf, 0);
    if (r == 0) return close_pair(fd);
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) close_pair(fd);
      return;
    }
    if (!forward(fd, buf, static_cast<size_t>(r))) return close_pair(fd);
    // A short read emptied the socket: do not pay a second recv to be told EAGAIN.
    if (static_cast<size_t>(r) < sizeof buf || !g_sides[fd].backlog.empty()) return;
  }
}

void on_writable(int fd) {
  // `fd` is the peer of the side whose backlog waits on it.
  side& s = g_sides[g_sides[fd].peer];
  std::string pending;
  pending.swap(s.backlog);
  s.want_out = false;
  watch(fd, EPOLLIN, EPOLL_CTL_MOD);
  if (!forward(s.fd, pending.data(), pending.size())) close_pair(fd);
}

void accept_one(int listener, const sockaddr_in& upstream) {
  const int c = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (c < 0) return;
  const int u =
      socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // blocking connect: loopback, instant
  if (u < 0 || connect(u, reinterpret_cast<const sockaddr*>(&upstream), sizeof upstream) != 0) {
    std::fprintf(stderr, "byte_relay: connect upstream: %s\n", std::strerror(errno));
    close(c);
    if (u >= 0) close(u);
    return;
  }
  fcntl(u, F_SETFL, fcntl(u, F_GETFL) | O_NONBLOCK);
  const int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int hi = c > u ? c : u;
  if (static_cast<size_t>(hi) >= g_sides.size()) g_sides.resize(static_cast<size_t>(hi) + 1);
  g_sides[c] = side{c, u, {}, false};
  g_sides[u] = side{u, c, {}, false};
  watch(c, EPOLLIN, EPOLL_CTL_ADD);
  watch(u, EPOLLIN, EPOLL_CTL_ADD);
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen_at, upstream_at;
  int wait_ms = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--busy-poll")
      wait_ms = 0;
    else if (k == "--listen" && i + 1 < argc)
      listen_at = argv[++i];
    else if (k == "--upstream" && i + 1 < argc)
      upstream_at = argv[++i];
  }
  if (listen_at.empty() || upstream_at.empty()) {
    std::fprintf(stderr, "usage: byte_relay --listen 127.0.0.1:PORT --upstream 127.0.0.1:PORT\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const sockaddr_in listen_addr = parse_ipv4(listen_at), upstream = parse_ipv4(upstream_at);
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listener, reinterpret_cast<const sockaddr*>(&listen_addr), sizeof listen_addr) != 0)
    die("bind");
  if (listen(listener, 1024) != 0) die("listen");
  g_epoll = epoll_create1(EPOLL_CLOEXEC);
  if (g_epoll < 0) die("epoll_create1");
  watch(listener, EPOLLIN, EPOLL_CTL_ADD);
  epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(g_epoll, events, 256, wait_ms);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    bool accept_pending = false;
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        accept_pending = true;
        continue;
      }
      if (static_cast<size_t>(fd) >= g_sides.size() || g_sides[fd].fd < 0)
        continue;  // closed earlier in this batch
      if (events[i].events & EPOLLOUT) on_writable(fd);
      if (g_sides[fd].fd >= 0 && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        on_readable(fd);
    }
    // After the batch: a new connection may reuse the number of an fd closed in it, whose
    // later events in the batch must not reach the newcomer.
    if (accept_pending) accept_one(listener, upstream);
  }
}
