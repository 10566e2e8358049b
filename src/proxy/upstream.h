#pragma once
// Upstreams: where calls go. A target is immutable after start and shared by all workers (its
// OpenSSL context is thread-safe for creating connections). Connections and their idle pool are
// per worker: only the owning worker's thread touches them, so there is no lock.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"

namespace llmtap::proxy {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

struct upstream_target {
  std::string name;
  bool tls = false;
  std::string host;  // as in the URL (no brackets for IPv6)
  uint16_t port = 0;
  bool host_is_ip = false;  // no SNI, IP verification instead of DNS name
  std::string host_header;  // Host value to send: host[:port]
  std::string base_prefix;  // path prefix of the URL, without a trailing "/v1"
  std::shared_ptr<ssl::context> tls_ctx;
};

// Parses the URL and builds the TLS context (CA file, verification). Throws config_error.
upstream_target make_upstream_target(const upstream_config& u);

// Plain sockets, not Beast's tcp_stream: its per-operation timer bookkeeping and extra layer of
// handlers cost ~1,500 instructions a call, and the worker's deadline sweep (worker.h) already
// bounds every read and write. Connecting and the TLS handshake race a timer of their own.
struct upstream_conn {
  std::optional<net::ip::tcp::socket> plain;
  std::optional<ssl::stream<net::ip::tcp::socket>> tls;
  size_t target_index = 0;
  int64_t idle_since_ns = 0;

  net::ip::tcp::socket& tcp() { return tls ? tls->next_layer() : *plain; }
};

// Result of a connect attempt: a connection, or why not (a message safe to show the client).
struct connect_result {
  std::unique_ptr<upstream_conn> conn;
  bool timed_out = false;
  bool tls_failed = false;  // connected, but the TLS handshake (or verification) failed
  std::string error;
};

net::awaitable<connect_result> connect_upstream(const upstream_target& t, size_t index,
                                                std::chrono::milliseconds timeout);

// Per-worker idle connections, one stack per target (LIFO keeps the warmest connection in use).
class upstream_pool {
 public:
  explicit upstream_pool(size_t targets, int64_t max_idle_ns)
      : idle_(targets), max_idle_ns_(max_idle_ns) {}
  std::unique_ptr<upstream_conn> take(size_t target, int64_t now_ns);
  void give_back(std::unique_ptr<upstream_conn> c, int64_t now_ns);
  void clear() {
    for (auto& v : idle_) v.clear();
  }

 private:
  std::vector<std::vector<std::unique_ptr<upstream_conn>>> idle_;
  int64_t max_idle_ns_;
  static constexpr size_t kMaxIdlePerTarget = 256;
};

}  // namespace llmtap::proxy
