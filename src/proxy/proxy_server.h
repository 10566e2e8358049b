#pragma once
// The capture proxy: one acceptor, N worker threads each with its own io_context, upstream pool
// and buffers. A finished call leaves as one exchange through `out`'s try_push (never blocking;
// a full queue drops and counts). Knows nothing of the pipeline, the store or the sinks.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/exchange_queue.h"

namespace llmtap::proxy {

using llmtap::exchange_queue;

struct proxy_counters {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rejected{0};         // answered by llmtap itself (4xx)
  std::atomic<uint64_t> upstream_errors{0};  // 502/504 and mid-body upstream failures
};

class proxy_server {
 public:
  // Binds the listening socket (throws on failure, e.g. address in use). `key_secret` keys the
  // hash that identifies API keys.
  proxy_server(const config& cfg, exchange_queue& out, std::string key_secret);
  ~proxy_server();
  proxy_server(const proxy_server&) = delete;
  proxy_server& operator=(const proxy_server&) = delete;

  uint16_t port() const;  // the bound port (useful with port 0)
  void start();           // starts the worker threads
  // Stops accepting, lets in-flight calls finish (up to the configured grace), then joins.
  // Safe to call from any thread, once.
  void stop();
  const proxy_counters& counters() const;
  size_t open_connections() const;  // downstream connections open now, all workers

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace llmtap::proxy
