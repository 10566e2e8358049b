#include "proxy/upstream.h"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>

namespace llmtap::proxy {

namespace {
using tcp = net::ip::tcp;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

std::string tls_failure_reason(SSL* ssl, const error_code& ec) {
  long vr = SSL_get_verify_result(ssl);
  if (vr != X509_V_OK) return X509_verify_cert_error_string(vr);
  return ec.message();
}
}  // namespace

upstream_target make_upstream_target(const upstream_config& u) {
  upstream_target t;
  t.name = u.name;
  std::string_view url = u.url;
  if (url.rfind("https://", 0) == 0) {
    t.tls = true;
    url.remove_prefix(8);
  } else if (url.rfind("http://", 0) == 0) {
    url.remove_prefix(7);
  } else {
    throw config_error(
        fmt::format("upstream {}: url \"{}\" must start with http:// or https://", u.name, u.url));
  }
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  // The proxy always forwards paths that start with /v1 (or Azure's /openai); a base URL that
  // ends in /v1 must not double it.
  if (path.size() >= 3 && path.compare(path.size() - 3, 3, "/v1") == 0)
    path.resize(path.size() - 3);
  t.base_prefix = path;
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw config_error(fmt::format("upstream {}: bad IPv6 address in \"{}\"", u.name, u.url));
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      port = authority.substr(close + 2);
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty())
    throw config_error(fmt::format("upstream {}: url \"{}\" has no host", u.name, u.url));
  t.host = std::string(host);
  t.port = t.tls ? 443 : 80;
  if (!port.empty()) {
    unsigned p = 0;
    auto [e, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || e != port.data() + port.size() || p == 0 || p > 65535)
      throw config_error(fmt::format("upstream {}: bad port in \"{}\"", u.name, u.url));
    t.port = static_cast<uint16_t>(p);
  }
  error_code ec;
  net::ip::make_address(t.host, ec);
  t.host_is_ip = !ec;
  bool default_port = t.port == (t.tls ? 443 : 80);
  std::string h = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  t.host_header = default_port ? h : fmt::format("{}:{}", h, t.port);
  if (t.tls) {
    t.tls_ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    t.tls_ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    t.tls_ctx->set_default_verify_paths();
    if (!u.ca_file.empty()) {
      t.tls_ctx->load_verify_file(u.ca_file, ec);
      if (ec)
        throw config_error(fmt::format("upstream {}: cannot load ca_file {}: {}", u.name, u.ca_file,
                                       ec.message()));
    }
    t.tls_ctx->set_verify_mode(u.verify ? ssl::verify_peer : ssl::verify_none);
  }
  return t;
}

net::awaitable<connect_result> connect_upstream(const upstream_target& t, size_t index,
                                                std::chrono::milliseconds timeout) {
  connect_result r;
  auto ex = co_await net::this_coro::executor;
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  auto addr = net::ip::make_address(t.host, ec);
  if (!ec) {
    endpoints.emplace_back(addr, t.port);
  } else {
    tcp::resolver resolver(ex);
    auto [rec, results] = co_await resolver.async_resolve(t.host, std::to_string(t.port), kTuple);
    if (rec) {
      r.error = fmt::format("cannot resolve upstream host {}: {}", t.host, rec.message());
      co_return r;
    }
    for (const auto& e : results) endpoints.push_back(e.endpoint());
  }
  auto c = std::make_unique<upstream_conn>();
  c->target_index = index;
  if (t.tls)
    c->tls.emplace(ex, *t.tls_ctx);
  else
    c->plain.emplace(ex);
  tcp::socket& sock = c->tcp();
  // One budget for connecting and the TLS handshake: a timer that cancels what the socket is
  // doing when it fires. `settled` keeps a late-firing timer away from a socket that may be gone
  // by then (both run on this worker's thread).
  struct deadline_state {
    bool settled = false, fired = false;
  };
  auto state = std::make_shared<deadline_state>();
  net::steady_timer deadline(ex, timeout);
  deadline.async_wait([state, s = &sock](const error_code& e) {
    if (e || state->settled) return;
    state->fired = true;
    error_code ignored;
    s->cancel(ignored);
  });
  auto settle = [&] {
    state->settled = true;
    deadline.cancel();
  };
  auto [cec, ep] = co_await net::async_connect(sock, endpoints, kTuple);
  if (cec || state->fired) {
    settle();
    r.timed_out = state->fired;
    r.error = fmt::format("cannot connect to upstream {}:{}: {}", t.host, t.port,
                          r.timed_out ? "timed out" : cec.message());
    co_return r;
  }
  sock.set_option(tcp::no_delay(true), ec);
  // A plain connection is written without waiting when the kernel takes the bytes at once
  // (session.h, send_now); TLS goes through the stream's own asynchronous writes.
  if (!t.tls) sock.non_blocking(true, ec);
  if (t.tls) {
    SSL* ssl = c->tls->native_handle();
    if (t.host_is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), t.host.c_str());
    } else {
      SSL_set_tlsext_host_name(ssl, t.host.c_str());
      X509_VERIFY_PARAM_set1_host(SSL_get0_param(ssl), t.host.c_str(), 0);
    }
    auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, kTuple);
    if (hec || state->fired) {
      settle();
      r.tls_failed = true;
      r.timed_out = state->fired;
      r.error = fmt::format("TLS handshake with upstream {}:{} failed: {}", t.host, t.port,
                            r.timed_out ? "timed out" : tls_failure_reason(ssl, hec));
      co_return r;
    }
  }
  // From here on the session's deadlines apply (worker.h, io_deadline).
  settle();
  r.conn = std::move(c);
  co_return r;
}

std::unique_ptr<upstream_conn> upstream_pool::take(size_t target, int64_t now_ns) {
  auto& v = idle_[target];
  while (!v.empty()) {
    auto c = std::move(v.back());
    v.pop_back();
    if (now_ns - c->idle_since_ns <= max_idle_ns_) return c;
  }
  return nullptr;
}

void upstream_pool::give_back(std::unique_ptr<upstream_conn> c, int64_t now_ns) {
  auto& v = idle_[c->target_index];
  if (v.size() >= kMaxIdlePerTarget) return;
  c->idle_since_ns = now_ns;
  v.push_back(std::move(c));
}

}  // namespace llmtap::proxy
