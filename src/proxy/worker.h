#pragma once
// A proxy worker: one thread, one io_context, and everything its sessions share without locks
// (upstream pool, key-identity cache, exchange ids). Only the worker's own thread touches these,
// except `active` (read by the acceptor to pick the least-loaded worker) and the stop request.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
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

// How long one wait may last. Beast's stream timeouts arm a timer before every read and write and
// cancel it after (a timer-queue insert, a cancellation and its completion: ~5,000 instructions
// a call, callgrind 2026-12-06). A deadline is a number instead; the worker's sweep
// (proxy_server.cpp) looks at all of them every sweep_period and cancels the I/O of the
// connections whose deadline has passed. A timeout fires between its length and one period
// later.
struct io_deadline {
  int64_t at_ns = 0;   // steady clock; 0 = no deadline
  bool fired = false;  // the sweep cancelled the wait this deadline was for
  // `now_ns`: the caller's recent reading of the steady clock (timeouts are as coarse as the
  // sweep period; a clock reading per wait was ~1% of the CPU per call).
  void arm(int64_t now_ns, std::chrono::nanoseconds d) {
    at_ns = now_ns + d.count();
    fired = false;
  }
  void disarm() {
    at_ns = 0;
    fired = false;
  }
  bool due(int64_t now_ns) const { return at_ns != 0 && !fired && now_ns >= at_ns; }
};

// A downstream connection as the worker sees it: shutdown closes the idle ones, and the sweep
// cancels waits past their deadline.
struct session_handle {
  boost::asio::ip::tcp::socket* down = nullptr;
  std::unique_ptr<upstream_conn>* up = nullptr;  // the session's upstream connection, if any
  io_deadline down_deadline, up_deadline;
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
  // The deadline sweep: one timer for all the worker's connections.
  boost::asio::steady_timer sweep{ctx};
  std::chrono::milliseconds sweep_period{100};
  // No connection is open: the sweep waits for the first one (a session's start wakes it), so
  // an idle worker makes no wake-ups.
  bool sweep_parked = false;
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
