#include "mock/session.h"

#include <chrono>
#include <ctime>
#include <exception>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "mock/errors.h"
#include "mock/routes.h"

namespace llmtap::mock {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using net::ip::tcp;

namespace {

constexpr auto k_tuple = net::as_tuple(net::use_awaitable);
constexpr auto k_idle_timeout = std::chrono::seconds(60);
constexpr auto k_write_timeout = std::chrono::seconds(30);

net::awaitable<void> sleep_ms(int ms) {
  if (ms <= 0) co_return;
  net::steady_timer t(co_await net::this_coro::executor);
  t.expires_after(std::chrono::milliseconds(ms));
  co_await t.async_wait(k_tuple);
}

std::string http_date() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

// x-mock-disconnect-after: no terminating chunk, no TLS close_notify; the peer sees a truncated
// body, as when an upstream dies mid-stream.
template <class Stream>
void drop(Stream& stream) {
  beast::error_code ec;
  auto& sock = beast::get_lowest_layer(stream).socket();
  sock.shutdown(tcp::socket::shutdown_both, ec);
  sock.close(ec);
}

template <class Fields>
void set_headers(Fields& res, const reply& r, std::chrono::steady_clock::time_point start) {
  res.set(http::field::date, http_date());
  res.set(http::field::content_type,
          r.stream ? "text/event-stream; charset=utf-8" : "application/json");
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  res.set("openai-processing-ms", std::to_string(ms));
  for (const auto& [k, v] : r.headers) res.set(k, v);
  if (r.stream) res.set(http::field::cache_control, "no-cache, must-revalidate");
}

// Returns whether the connection may carry another request.
template <class Stream>
net::awaitable<bool> write_reply(Stream& stream, const reply& r, unsigned version, bool keep_alive,
                                 std::chrono::steady_clock::time_point start) {
  co_await sleep_ms(r.latency_ms);
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(k_write_timeout);
  if (!r.stream) {
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    set_headers(res, r, start);
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    auto [ec, n] = co_await http::async_write(stream, res, k_tuple);
    co_return !ec && keep_alive;
  }
  http::response<http::empty_body> res{static_cast<http::status>(r.status), version};
  set_headers(res, r, start);
  res.keep_alive(keep_alive);
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  if (auto [ec, n] = co_await http::async_write_header(stream, sr, k_tuple); ec) co_return false;
  for (std::size_t i = 0; i < r.events.size(); ++i) {
    if (r.disconnect_after >= 0 && static_cast<int64_t>(i) >= r.disconnect_after) {
      drop(stream);
      co_return false;
    }
    if (i > 0) co_await sleep_ms(r.chunk_delay_ms);
    lowest.expires_after(k_write_timeout);
    auto [ec, n] =
        co_await net::async_write(stream, http::make_chunk(net::buffer(r.events[i])), k_tuple);
    if (ec) co_return false;
  }
  if (r.disconnect_after >= 0) {
    drop(stream);
    co_return false;
  }
  auto [ec, n] = co_await net::async_write(stream, http::make_chunk_last(), k_tuple);
  co_return !ec && keep_alive;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

template <class Stream>
// `stream` is owned by the awaiting serve_plain/serve_tls frame, which outlives this one.
net::awaitable<void> serve(Stream& stream, mock_state* st) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(st->opts.body_limit);
    parser.header_limit(64 * 1024);
    beast::get_lowest_layer(stream).expires_after(k_idle_timeout);
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, k_tuple);
    auto start = std::chrono::steady_clock::now();
    reply r;
    unsigned version = 11;
    bool keep_alive = false;
    if (ec == http::error::body_limit) {
      r = body_too_large(st->opts.body_limit);
    } else if (ec == http::error::header_limit) {
      r = headers_too_large();
    } else if (ec && is_parse_error(ec)) {
      r = malformed_http();
    } else if (ec) {
      break;  // eof, reset, timeout: nobody to answer
    } else {
      const auto& req = parser.get();
      version = req.version() == 10 ? 10 : 11;
      r = handle_request(req, *st);
      keep_alive = req.keep_alive() && !r.close;
    }
    if (r.close) add_common_headers(r, *st);
    if (!co_await write_reply(stream, r, version, keep_alive, start)) break;
  }
}

net::awaitable<void> serve_plain(beast::tcp_stream stream, mock_state* st) {
  co_await serve(stream, st);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> serve_tls(beast::ssl_stream<beast::tcp_stream> stream, mock_state* st) {
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
  auto [ec] = co_await stream.async_handshake(net::ssl::stream_base::server, k_tuple);
  if (ec) co_return;
  co_await serve(stream, st);
  if (beast::get_lowest_layer(stream).socket().is_open()) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(k_tuple);
  }
}

}  // namespace

void start_session(tcp::socket socket, mock_state* st, net::ssl::context* tls) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // SSE chunks must leave as soon as written
  auto ex = socket.get_executor();
  // Exceptions never escape into the io_context: a session dies alone.
  auto swallow = [](std::exception_ptr) {};
  if (tls)
    net::co_spawn(ex, serve_tls(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), st),
                  swallow);
  else
    net::co_spawn(ex, serve_plain(beast::tcp_stream(std::move(socket)), st), swallow);
}

}  // namespace llmtap::mock
