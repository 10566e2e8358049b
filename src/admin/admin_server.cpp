#include "admin/admin_server.h"

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <thread>

#include "core/thread_name.h"

#include "config/config.h"

namespace llmtap::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {
constexpr auto kTuple = net::as_tuple(net::use_awaitable);

http::response<http::string_body> answer(const http::request<http::string_body>& req,
                                         const admin_handlers& h) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  std::string_view target = req.target();
  target = target.substr(0, target.find('?'));
  if (req.method() != http::verb::get && req.method() != http::verb::head) {
    res.result(http::status::method_not_allowed);
    res.set(http::field::content_type, "application/json");
    res.body() =
        R"({"error":{"message":"only GET is supported here","type":"invalid_request_error"}})";
  } else if (target == "/healthz") {
    res.set(http::field::content_type, "text/plain");
    res.body() = "ok\n";
  } else if (target == "/readyz") {
    bool ok = !h.ready || h.ready();
    res.result(ok ? http::status::ok : http::status::service_unavailable);
    res.set(http::field::content_type, "text/plain");
    res.body() = ok ? "ready\n" : "not ready\n";
  } else if (target == "/metrics") {
    res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    res.body() = h.metrics ? h.metrics() : std::string();
  } else {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "application/json");
    res.body() =
        R"({"error":{"message":"not found: try /healthz, /readyz or /metrics","type":"invalid_request_error"}})";
  }
  res.prepare_payload();
  return res;
}

net::awaitable<void> serve_connection(tcp::socket sock, const admin_handlers& h) {
  beast::tcp_stream stream(std::move(sock));
  beast::flat_buffer buf;
  for (;;) {
    stream.expires_after(std::chrono::seconds(30));
    http::request_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [ec, n] = co_await http::async_read(stream, buf, parser, kTuple);
    if (ec) break;
    auto res = answer(parser.get(), h);
    auto [wec, wn] = co_await http::async_write(stream, res, kTuple);
    if (wec || !res.keep_alive()) break;
  }
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}
}  // namespace

struct admin_server::impl {
  net::io_context ctx{1};
  tcp::acceptor acceptor{ctx};
  admin_handlers handlers;
  std::thread thread;

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor.async_accept(kTuple);
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      net::co_spawn(ctx, serve_connection(std::move(sock), handlers), net::detached);
    }
  }
};

admin_server::admin_server(const std::string& listen, admin_handlers h)
    : impl_(std::make_unique<impl>()) {
  impl_->handlers = std::move(h);
  auto [host, port] = parse_host_port(listen, "proxy.admin_listen");
  beast::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (ec) throw config_error(fmt::format("proxy.admin_listen: \"{}\" is not an IP address", host));
  tcp::endpoint ep(addr, port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(net::socket_base::reuse_address(true));
  impl_->acceptor.bind(ep, ec);
  if (ec) throw config_error(fmt::format("cannot listen on {} (admin): {}", listen, ec.message()));
  impl_->acceptor.listen();
}

admin_server::~admin_server() {
  stop();
}

uint16_t admin_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void admin_server::start() {
  net::co_spawn(impl_->ctx, impl_->accept_loop(), net::detached);
  impl_->thread = std::thread([this] {
    name_this_thread("admin");
    impl_->ctx.run();
  });
}

void admin_server::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->ctx.stop();
  impl_->thread.join();
}

}  // namespace llmtap::admin
