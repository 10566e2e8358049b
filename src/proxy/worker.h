#pragma once
// A proxy worker: one thread, one io_context, and everything its sessions share without locks
// (upstream pool, key-identity cache, exchange ids). Only the worker's own thread touches these,
// except `active` (read by the acceptor to pick the least-loaded worker) and the stop request.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "openai/key_identity.h"
#include "proxy/proxy_server.h"
#include "proxy/upstream.h"

namespace llmtap::proxy {

// Settings a session reads on every call, copied out of config once.
struct session_settings {
  size_t max_header_bytes;
  uint64_t max_body_bytes;
  std::chrono::milliseconds header_timeout, idle_timeout, connect_timeout, upstream_timeout,
      upstream_idle_timeout;
  size_t capture_max_bytes;
  bool inject_include_usage;
  std::string service, env, version;
};

// A downstream connection as the worker sees it: shutdown closes the idle ones.
struct session_handle {
  boost::beast::tcp_stream* down = nullptr;
  bool idle = true;  // waiting for the next request head
};

struct worker {
  worker(uint16_t index, const session_settings& s, const std::vector<upstream_target>& targets,
         exchange_queue& out, proxy_counters& counters, const std::string& key_secret,
         int64_t pool_idle_ns)
      : index(index),
        settings(s),
        targets(targets),
        out(out),
        counters(counters),
        key_secret(key_secret),
        pool(targets.size(), pool_idle_ns) {}

  boost::asio::io_context ctx{1};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard{
      ctx.get_executor()};
  std::thread thread;
  const uint16_t index;
  const session_settings& settings;
  const std::vector<upstream_target>& targets;
  exchange_queue& out;
  proxy_counters& counters;
  const std::string& key_secret;
  upstream_pool pool;
  std::atomic<int> active{0};  // open downstream connections
  bool stopping = false;       // worker thread only
  std::unordered_set<session_handle*> sessions;
  uint64_t next_call = 0;

  // The same key comes back call after call: remember the last one's identity. The key stays in
  // this worker's memory only, as it does in the request buffers.
  std::string cached_key;
  openai::key_identity cached_identity;

  const openai::key_identity& identify(std::string_view key) {
    if (key != cached_key) {
      cached_identity = openai::identify_key(key, key_secret);
      cached_key.assign(key);
    }
    return cached_identity;
  }
  uint64_t new_exchange_id() { return (uint64_t(index) << 48) | ++next_call; }
};

// The coroutine serving one downstream connection until it closes.
boost::asio::awaitable<void> run_session(worker& w, boost::asio::ip::tcp::socket socket);

}  // namespace llmtap::proxy
