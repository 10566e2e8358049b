#include "mock/mock_server.h"

#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "mock/routes.h"
#include "mock/session.h"

namespace llmtap::mock {

namespace net = boost::asio;
using net::ip::tcp;

namespace {

net::awaitable<void> accept_loop(tcp::acceptor* acceptor, mock_state* st, net::ssl::context* tls) {
  for (;;) {
    // Each connection gets its own strand: with --threads > 1 a session's timer and I/O handlers
    // must not run concurrently.
    auto [ec, socket] = co_await acceptor->async_accept(net::make_strand(acceptor->get_executor()),
                                                        net::as_tuple(net::use_awaitable));
    if (ec == net::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {
      // EMFILE and friends: back off instead of spinning, keep serving.
      net::steady_timer t(acceptor->get_executor(), std::chrono::milliseconds(50));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    start_session(std::move(socket), st, tls);
  }
}

tcp::endpoint resolve(net::io_context& ioc, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (!ec) return {addr, port};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty())
    throw std::runtime_error(
        fmt::format("cannot resolve listen host '{}': {}", host, ec.message()));
  return results.begin()->endpoint();
}

}  // namespace

struct mock_server::impl {
  explicit impl(mock_options o) : state(std::move(o)), acceptor(ioc), signals(ioc) {}
  net::io_context ioc;
  mock_state state;
  std::unique_ptr<net::ssl::context> tls;
  tcp::acceptor acceptor;
  net::signal_set signals;
};

mock_server::mock_server(mock_options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
  auto& o = impl_->state.opts;
  if (o.tls_cert_file.empty() != o.tls_key_file.empty())
    throw std::runtime_error("--tls-cert and --tls-key must be given together");
  if (!o.tls_cert_file.empty()) {
    impl_->tls = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    boost::system::error_code ec;
    impl_->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                            net::ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec)
      throw std::runtime_error(
          fmt::format("cannot load TLS certificate '{}': {}", o.tls_cert_file, ec.message()));
    impl_->tls->use_private_key_file(o.tls_key_file, net::ssl::context::pem, ec);
    if (ec)
      throw std::runtime_error(
          fmt::format("cannot load TLS key '{}': {}", o.tls_key_file, ec.message()));
  }
  auto ep = resolve(impl_->ioc, o.host, o.port);
  auto& acc = impl_->acceptor;
  boost::system::error_code ec;
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    throw std::runtime_error(
        fmt::format("cannot listen on {}:{}: {}", o.host, o.port, ec.message()));
  net::co_spawn(impl_->ioc, accept_loop(&acc, &impl_->state, impl_->tls.get()), net::detached);
  if (o.handle_signals) {
    impl_->signals.add(SIGINT);
    impl_->signals.add(SIGTERM);
    impl_->signals.async_wait([this](const boost::system::error_code& e, int) {
      if (!e) stop();
    });
  }
}

mock_server::~mock_server() {
  stop();
}

uint16_t mock_server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

bool mock_server::tls() const {
  return impl_->tls != nullptr;
}

std::string mock_server::url() const {
  auto ep = impl_->acceptor.local_endpoint();
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return fmt::format("{}://{}:{}", tls() ? "https" : "http", host, ep.port());
}

void mock_server::run() {
  unsigned n = std::max(1u, impl_->state.opts.threads);
  std::vector<std::thread> extra;
  for (unsigned i = 1; i < n; ++i) extra.emplace_back([this] { impl_->ioc.run(); });
  impl_->ioc.run();
  for (auto& t : extra) t.join();
}

void mock_server::stop() {
  impl_->ioc.stop();
}

}  // namespace llmtap::mock
