#include "proxy/proxy_server.h"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/thread_name.h"
#include "proxy/worker.h"

namespace llmtap::proxy {

namespace {
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// Exceptions cannot cross a coroutine's detached end silently: report and carry on.
void report_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "llmtap: internal error in a proxy session: %s\n", ex.what());
  }
}
// Cancels the waits whose deadline has passed (worker.h, io_deadline), every sweep_period while
// a connection is open, until the worker stops and its last connection has closed (the calls
// finishing in the shutdown grace keep their deadlines). With none open it is parked.
net::awaitable<void> deadline_sweep(worker& w) {
  for (;;) {
    w.sweep_parked = w.sessions.empty() && !w.stopping;
    if (w.sweep_parked)
      w.sweep.expires_at(net::steady_timer::time_point::max());
    else
      w.sweep.expires_after(w.sweep_period);
    auto [ec] = co_await w.sweep.async_wait(net::as_tuple(net::use_awaitable));
    if (w.stopping && w.sessions.empty()) co_return;
    if (ec) continue;  // a new connection ended the park
    const int64_t now = mono_ns();
    for (session_handle* s : w.sessions) {
      error_code ignored;
      if (s->down_deadline.due(now)) {
        s->down_deadline.fired = true;
        s->down->cancel(ignored);
      }
      if (s->up_deadline.due(now) && s->up != nullptr && *s->up) {
        s->up_deadline.fired = true;
        (*s->up)->tcp().cancel(ignored);
      }
    }
  }
}

// A timeout should fire close to its length: a period of an eighth of the shortest one, between
// 5 ms and 250 ms (the defaults give 250 ms: at most one wake-up of an idle worker per period).
std::chrono::milliseconds sweep_period_for(const session_settings& s) {
  auto shortest =
      std::min({s.header_timeout, s.idle_timeout, s.upstream_timeout, s.upstream_idle_timeout});
  return std::clamp(shortest / 8, std::chrono::milliseconds(5), std::chrono::milliseconds(250));
}

}  // namespace

struct proxy_server::impl {
  session_settings settings;
  std::vector<upstream_target> targets;
  std::string key_secret;
  proxy_counters counters;
  std::vector<std::unique_ptr<worker>> workers;
  // The acceptor lives on worker 0's context and hands sockets to the least-loaded worker.
  std::optional<tcp::acceptor> acceptor;
  std::chrono::milliseconds grace{0};
  std::atomic<bool> stopped{false};

  net::awaitable<void> accept_loop() {
    for (;;) {
      worker* best = workers[0].get();
      for (auto& w : workers)
        if (w->active.load(std::memory_order_relaxed) <
            best->active.load(std::memory_order_relaxed))
          best = w.get();
      auto [ec, sock] =
          co_await acceptor->async_accept(best->ctx, net::as_tuple(net::use_awaitable));
      if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: back off briefly instead of spinning.
        net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(50));
        co_await t.async_wait(net::as_tuple(net::use_awaitable));
        continue;
      }
      counters.connections.fetch_add(1, std::memory_order_relaxed);
      best->active.fetch_add(1, std::memory_order_relaxed);
      net::co_spawn(best->ctx, run_session(*best, std::move(sock)), report_exception);
    }
  }
};

proxy_server::proxy_server(const config& cfg, exchange_queue& out, std::string key_secret)
    : impl_(std::make_unique<impl>()) {
  auto& s = impl_->settings;
  const auto& p = cfg.proxy;
  s.max_header_bytes = static_cast<size_t>(p.max_header_bytes);
  s.max_body_bytes = static_cast<uint64_t>(p.max_body_bytes);
  s.header_timeout = std::chrono::milliseconds(p.header_timeout_ms);
  s.idle_timeout = std::chrono::milliseconds(p.idle_timeout_ms);
  s.connect_timeout = std::chrono::milliseconds(p.connect_timeout_ms);
  s.upstream_timeout = std::chrono::milliseconds(p.upstream_timeout_ms);
  s.upstream_idle_timeout = std::chrono::milliseconds(p.upstream_idle_timeout_ms);
  s.capture_max_bytes = static_cast<size_t>(p.capture_max_bytes);
  s.inject_include_usage = p.inject_include_usage;
  s.service = cfg.identity.service;
  s.env = cfg.identity.env;
  s.version = cfg.identity.version;
  impl_->grace = std::chrono::milliseconds(p.shutdown_grace_ms);
  impl_->key_secret = std::move(key_secret);
  impl_->targets.push_back(make_upstream_target(cfg.default_upstream()));
  for (const auto& u : cfg.named_upstreams) impl_->targets.push_back(make_upstream_target(u));

  size_t n = p.workers > 0 ? static_cast<size_t>(p.workers)
                           : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  for (size_t i = 0; i < n; ++i) {
    impl_->workers.push_back(
        std::make_unique<worker>(static_cast<uint16_t>(i), impl_->settings, impl_->targets, out,
                                 impl_->counters, impl_->key_secret, p.pool_idle_ms * 1'000'000));
    impl_->workers.back()->sweep_period = sweep_period_for(s);
  }
  auto [host, port] = parse_host_port(p.listen, "proxy.listen");
  error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) throw config_error(fmt::format("proxy.listen: \"{}\" is not an IP address", host));
  tcp::endpoint ep(addr, port);
  auto& a = impl_->acceptor.emplace(impl_->workers[0]->ctx);
  a.open(ep.protocol());
  a.set_option(net::socket_base::reuse_address(true));
  a.bind(ep, ec);
  if (ec) throw config_error(fmt::format("cannot listen on {}: {}", p.listen, ec.message()));
  a.listen(net::socket_base::max_listen_connections);
}

proxy_server::~proxy_server() {
  stop();
}

uint16_t proxy_server::port() const {
  return impl_->acceptor->local_endpoint().port();
}

const proxy_counters& proxy_server::counters() const {
  return impl_->counters;
}

size_t proxy_server::open_connections() const {
  size_t n = 0;
  for (const auto& w : impl_->workers)
    n += static_cast<size_t>(std::max(0, w->active.load(std::memory_order_relaxed)));
  return n;
}

void proxy_server::start() {
  net::co_spawn(impl_->workers[0]->ctx, impl_->accept_loop(), report_exception);
  for (size_t i = 0; i < impl_->workers.size(); ++i) {
    auto& w = impl_->workers[i];
    net::co_spawn(w->ctx, deadline_sweep(*w), report_exception);
    w->thread = std::thread([&ctx = w->ctx, i] {
      name_this_thread("worker-" + std::to_string(i));
      ctx.run();
    });
  }
}

void proxy_server::stop() {
  if (impl_->stopped.exchange(true)) return;
  if (impl_->workers.empty() || !impl_->workers[0]->thread.joinable()) return;
  net::post(impl_->workers[0]->ctx, [this] {
    error_code ec;
    impl_->acceptor->close(ec);
  });
  for (auto& w : impl_->workers) {
    net::post(w->ctx, [wp = w.get()] {
      wp->stopping = true;
      if (wp->sessions.empty()) wp->sweep.cancel();  // else the last session's end cancels it
      for (auto* s : wp->sessions)
        if (s->idle) s->down->cancel();  // waiting for a next request that will not come
      wp->pool.clear();
      wp->guard.reset();  // run() returns once the last in-flight call has finished
    });
  }
  auto deadline = std::chrono::steady_clock::now() + impl_->grace;
  for (;;) {
    bool busy = false;
    for (auto& w : impl_->workers) busy |= w->active.load() > 0;
    if (!busy || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& w : impl_->workers) w->ctx.stop();  // past the grace period: cut what is left
  for (auto& w : impl_->workers)
    if (w->thread.joinable()) w->thread.join();
}

}  // namespace llmtap::proxy
