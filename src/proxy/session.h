#pragma once
// One downstream connection, request after request (the proxy's internals; only
// run_session is public, in worker.h). The phases of a call, in order, are the member functions
// below (docs/life-of-a-request.md follows the same names):
//   read_request -> route -> acquire_upstream / send_request -> read_response_head
//   -> relay_response_body -> finish (the exchange leaves through the queue)
// session.cpp has the request side (read_request, route, finish), relay.cpp the upstream side
// (proxy_call, read_response_head, relay_response_body and its helpers).
// Bodies are never re-serialized: the raw bytes read are the bytes written. Observation (SSE
// framing, capture) happens after the bytes are on their way downstream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <cstdint>
#include <optional>

#include "core/clock.h"
#include "openai/sse.h"
#include "proxy/error_response.h"
#include "proxy/http_observers.h"
#include "proxy/io_buffer.h"
#include "proxy/usage_rewrite.h"
#include "proxy/worker.h"

namespace llmtap::proxy {

using tcp = net::ip::tcp;
namespace beast = boost::beast;

inline constexpr auto kTuple = net::as_tuple(net::use_awaitable);
inline constexpr size_t kInitialBuffer = 16 * 1024;
// A connection's request buffer starts small: it sits idle while a response streams, and most
// request heads and bodies fit; a larger body grows it by doubling (grow_request_buffer).
inline constexpr size_t kRequestBufferStart = 4 * 1024;
inline constexpr size_t kMaxUpstreamHead = 64 * 1024;
// The upstream read buffer starts at 4 KB too: an SSE stream reads a few hundred bytes at a time
// for minutes, and 1000 open streams each holding 16 KB was a third of llmtap's memory. A read
// that fills the buffer doubles it (up to kUpstreamBufferMax), so a large JSON body still comes
// in a few big reads.
inline constexpr size_t kUpstreamBufferStart = 4 * 1024;
inline constexpr size_t kUpstreamBufferMax = 64 * 1024;
inline constexpr size_t kMaxChunkHeader = 8 * 1024;  // Beast 360's sanity limit, missing from 345

template <class Stream, class Buffers>
auto write_all(Stream& s, const Buffers& b) {
  return net::async_write(s, b, kTuple);
}

// Sends what the socket takes at once, without suspending the coroutine: the kernel's send
// buffer nearly always has room, and an asynchronous write that completes at once still costs a
// handler, a trip through the scheduler and two clock readings (nginx too writes first and waits
// only on EAGAIN). The socket must be in non-blocking mode. Returns the bytes sent; `ec` is set
// only for a real error, not for a full buffer.
template <class Buffers>
size_t send_now(tcp::socket& s, const Buffers& b, beast::error_code& ec) {
  const size_t n = s.write_some(b, ec);
  if (ec == net::error::would_block || ec == net::error::try_again) ec = {};
  return ec ? 0 : n;
}

inline auto up_read(upstream_conn& c, net::mutable_buffer b) {
  return c.tls ? c.tls->async_read_some(b, kTuple) : c.plain->async_read_some(b, kTuple);
}

template <class Buffers>
auto up_write(upstream_conn& c, const Buffers& b) {
  return c.tls ? net::async_write(*c.tls, b, kTuple) : net::async_write(*c.plain, b, kTuple);
}

inline bool is_disconnect(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}

class session {
 public:
  session(worker& w, tcp::socket s) : w_(w), s_(w.settings), down_(std::move(s)) {
    beast::error_code ec;
    down_.non_blocking(true, ec);  // for send_now
    dbuf_.resize(kRequestBufferStart, 0);
    resume();  // deadlines count from here until the first await
    handle_.down = &down_;
    handle_.up = &up_;
    w_.sessions.insert(&handle_);
    if (w_.sweep_parked) {
      w_.sweep_parked = false;
      w_.sweep.cancel();
    }
  }
  ~session() {
    w_.sessions.erase(&handle_);
    if (w_.stopping && w_.sessions.empty()) w_.sweep.cancel();  // nothing left to watch
    w_.active.fetch_sub(1, std::memory_order_relaxed);
  }
  // Serves requests until the connection closes.
  net::awaitable<void> run();

 private:
  enum class read_status { ok, closed, answered };

  worker& w_;
  const session_settings& s_;
  tcp::socket down_;
  session_handle handle_;
  io_buffer dbuf_;  // the raw request(s) from the client
  size_t filled_ = 0, head_end_ = 0, body_end_ = 0;
  io_buffer ubuf_;        // the upstream response, one read at a time
  std::string head_out_;  // a rewritten head, reused
  std::optional<request_observer> rq_;
  std::optional<response_observer> rs_;
  std::unique_ptr<upstream_conn> up_;
  openai::sse_framer framer_;
  std::string chunk_header_;       // this stream's repeated chunk fields (compact_chunk)
  bool compact_tail_ = false;      // the first event starts with them: tail slots compacted too
  usage_event_filter filter_;      // include_usage rewrite: drops the usage event we asked for
  std::string filtered_;           // events ready to go downstream in filter mode
  std::string rewritten_body_;     // the request body with include_usage added
  exchange* streaming_ = nullptr;  // the call whose stream the response observer frames
  bool filtering_ = false;         // ... with the include_usage filter on
  int64_t resumed_ = 0;            // when our code last got control back from an await
  uint64_t served_ = 0;            // calls on this connection so far

  // A parser for the next message. Each takes over its predecessor's field list: a new list per
  // message was an allocation on every call.
  request_observer& new_request_observer() {
    // (32 entries, cleared by the observer: room for a typical head from the start)
    return rq_.emplace(rq_ ? std::move(rq_->fields) : std::vector<header_field>(32));
  }
  // (Set up to stop after the head, and to expect no body for a HEAD request.)
  response_observer& new_response_observer() {
    auto& rs = rs_.emplace(rs_ ? std::move(rs_->fields) : std::vector<header_field>(32));
    rs.header_limit(kMaxUpstreamHead);
    rs.eager(false);
    rs.skip(rq_->method == "HEAD");
    return rs;
  }

  // The deadline of the next wait on each side (worker.h: io_deadline, checked by the sweep),
  // counted from when our code last got control back.
  void down_wait(std::chrono::nanoseconds d) { handle_.down_deadline.arm(resumed_, d); }
  void up_wait(std::chrono::nanoseconds d) { handle_.up_deadline.arm(resumed_, d); }
  // A wait that the sweep cut short reads as Beast's timeout.
  beast::error_code down_result(const beast::error_code& ec) const {
    return ec == net::error::operation_aborted && handle_.down_deadline.fired
               ? beast::error_code(beast::error::timeout)
               : ec;
  }
  beast::error_code up_result(const beast::error_code& ec) const {
    return ec == net::error::operation_aborted && handle_.up_deadline.fired
               ? beast::error_code(beast::error::timeout)
               : ec;
  }

  // Time inside llmtap: everything between awaits.
  int64_t resume() { return resumed_ = mono_ns(); }
  void pause(exchange& x) { x.inside_ns += mono_ns() - resumed_; }

  enum class head_status { ok, answered, closed_early };

  size_t consumed_ = 0;

  enum class body_read { data, ended, cut };

  // ---- phase: read_request -------------------------------------------------------------
  net::awaitable<read_status> read_request(exchange& x);
  // Growing the request buffer moves it. The parsed head's views (method, target, fields) point
  // into it, and are read after the body (route): they follow to the same offsets in the new
  // buffer. (They used to be left pointing into the freed one whenever a body outgrew 16 KB.)
  void grow_request_buffer(size_t n);
  void stamp_accepted(exchange& x);
  net::awaitable<read_status> reject_request(exchange& x, beast::error_code ec);
  net::awaitable<void> answer_error(exchange& x, const proxy_error_info& e, std::string message,
                                    outcome o, bool close);
  // ---- phase: route ------------------------------------------------------------------------
  // Picks the upstream, fills the request facts of the exchange and builds the upstream head.
  // Returns the target index, or -1 after answering an error.
  net::awaitable<int> route(exchange& x);
  static void apply_llmtap_header(exchange& x, std::string_view name, std::string_view value);
  bool wants_close() const;
  // ---- phase: finish -------------------------------------------------------------------------
  // The logging hand-off: the exchange leaves this thread, or is dropped and counted.
  void finish(std::unique_ptr<exchange> x);

  // ---- phases: acquire_upstream, send_request, read_response_head, relay_response_body ----
  // Returns whether the downstream connection may carry another request.
  net::awaitable<bool> proxy_call(exchange& x);
  net::awaitable<head_status> read_response_head(exchange& x, size_t& ufilled, size_t& head_end);
  net::awaitable<bool> relay_response_body(exchange& x, size_t ufilled, size_t head_end);
  bool response_done(exchange& x, bool close);
  // The include_usage variant of the relay: parse first (the filter needs whole events), then
  // send the events that completed in this read as one chunk. No delay is added: an event is of
  // use to the client only once it is complete.
  net::awaitable<bool> relay_filtered(exchange& x, size_t ufilled, size_t head_end, bool close);
  // Feeds ubuf_[from, from + n) to the response parser (which feeds the framer or the capture);
  // keeps any unparsed tail (a partial chunk header) at the front of ubuf_.
  bool observe_body(exchange& x, size_t n, size_t from = 0);
  // The next read of the response body, after the `leftover` bytes kept at the front of ubuf_.
  // `ended`: the body was delimited by the connection's end and is complete. `cut`: the upstream
  // failed mid-body; the exchange says so and the connection is gone.
  net::awaitable<std::pair<body_read, size_t>> read_body(exchange& x, size_t leftover);
  // The read that brought the response head filled ubuf_ (`filled` bytes): double it, keeping
  // the `keep` bytes at its front, as read_body does after a full read. Without this a response
  // a little over 4 KB took two reads and two writes on every call of the connection.
  void grow_if_filled(size_t filled, size_t keep) {
    if (filled == ubuf_.size() && ubuf_.size() < kUpstreamBufferMax)
      ubuf_.resize(ubuf_.size() * 2, keep);
  }
  // What send_now left of `b` after `sent` bytes, written asynchronously to the client or
  // (`upstream`) to the upstream: waits for room under that side's deadline. Returns the error as
  // the side's *_result reads it.
  template <class Buffers>
  net::awaitable<beast::error_code> send_rest(exchange& x, const Buffers& b, size_t sent,
                                              bool upstream) {
    beast::buffers_suffix<Buffers> rest(b);
    rest.consume(sent);
    if (upstream)
      up_wait(s_.upstream_idle_timeout);
    else
      down_wait(s_.idle_timeout);
    pause(x);
    auto [ec, n] = upstream ? co_await up_write(*up_, rest) : co_await write_all(down_, rest);
    resume();
    co_return upstream ? up_result(ec) : down_result(ec);
  }
  // The upstream failed mid-body (reset, EOF or idle): recorded, and the call ends here.
  bool upstream_cut(exchange& x, const beast::error_code& ec);
  // The client closed, or stopped reading (`ec` a timeout): recorded, and the call ends here.
  bool client_gone(exchange& x, const beast::error_code& ec);
  static void observe_response_field(exchange& x, const header_field& f);
};

}  // namespace llmtap::proxy
