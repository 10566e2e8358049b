// One downstream connection, request after request. The phases of a call, in order, are the
// member functions below (docs/life-of-a-request.md follows the same names):
//   read_request -> route -> acquire_upstream / send_request -> read_response_head
//   -> relay_response_body -> finish (the exchange leaves through the queue)
// Bodies are never re-serialized: the raw bytes read are the bytes written. Observation (SSE
// framing, capture) happens after the bytes are on their way downstream.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <cstring>
#include <fmt/format.h>
#include <optional>

#include "core/clock.h"
#include "core/trace_headers.h"
#include "openai/endpoint.h"
#include "openai/headers.h"
#include "openai/sse.h"
#include "proxy/error_response.h"
#include "proxy/http_observers.h"
#include "proxy/io_buffer.h"
#include "proxy/stream_capture.h"
#include "proxy/usage_rewrite.h"
#include "proxy/worker.h"

namespace llmtap::proxy {

namespace {
using tcp = net::ip::tcp;
namespace beast = boost::beast;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr size_t kInitialBuffer = 16 * 1024;
// A connection's request buffer starts small: it sits idle while a response streams, and most
// request heads and bodies fit; a larger body grows it by doubling (grow_request_buffer).
constexpr size_t kRequestBufferStart = 4 * 1024;
constexpr size_t kMaxUpstreamHead = 64 * 1024;
// The upstream read buffer starts at 4 KB too: an SSE stream reads a few hundred bytes at a time
// for minutes, and 1000 open streams each holding 16 KB was a third of llmtap's memory. A read
// that fills the buffer doubles it (up to kUpstreamBufferMax), so a large JSON body still comes
// in a few big reads.
constexpr size_t kUpstreamBufferStart = 4 * 1024;
constexpr size_t kUpstreamBufferMax = 64 * 1024;
constexpr size_t kMaxChunkHeader = 8 * 1024;  // Beast 360's sanity limit, missing from 345

template <class Stream, class Buffers>
auto write_all(Stream& s, const Buffers& b) {
  return net::async_write(s, b, kTuple);
}

auto up_read(upstream_conn& c, net::mutable_buffer b) {
  return c.tls ? c.tls->async_read_some(b, kTuple) : c.plain->async_read_some(b, kTuple);
}

template <class Buffers>
auto up_write(upstream_conn& c, const Buffers& b) {
  return c.tls ? net::async_write(*c.tls, b, kTuple) : net::async_write(*c.plain, b, kTuple);
}

bool is_disconnect(const beast::error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == net::ssl::error::stream_truncated;
}
}  // namespace

class session {
 public:
  session(worker& w, tcp::socket s) : w_(w), s_(w.settings), down_(std::move(s)) {
    dbuf_.resize(kRequestBufferStart, 0);
    handle_.down = &down_;
    w_.sessions.insert(&handle_);
  }
  ~session() {
    w_.sessions.erase(&handle_);
    w_.active.fetch_sub(1, std::memory_order_relaxed);
  }

  net::awaitable<void> run() {
    for (;;) {
      if (w_.stopping && filled_ == 0) break;
      auto x = std::make_unique<exchange>();
      auto st = co_await read_request(*x);
      if (st == read_status::closed) break;
      if (st == read_status::answered) {
        finish(std::move(x));
        break;
      }
      bool keep = co_await proxy_call(*x);
      ++served_;
      finish(std::move(x));
      if (!keep || w_.stopping) break;
      // Pipelined bytes of the next request stay; the finished one is dropped.
      std::memmove(dbuf_.data(), dbuf_.data() + body_end_, filled_ - body_end_);
      filled_ -= body_end_;
      // A large upload grew the buffer; a kept-alive connection need not hold on to it.
      if (dbuf_.size() > 16 * kInitialBuffer && filled_ <= kRequestBufferStart) dbuf_.resize(kRequestBufferStart, filled_);
    }
    beast::error_code ec;
    down_.socket().shutdown(tcp::socket::shutdown_send, ec);
    down_.close();
  }

 private:
  enum class read_status { ok, closed, answered };

  worker& w_;
  const session_settings& s_;
  beast::tcp_stream down_;
  session_handle handle_;
  io_buffer dbuf_;  // the raw request(s) from the client
  size_t filled_ = 0, head_end_ = 0, body_end_ = 0;
  io_buffer ubuf_;  // the upstream response, one read at a time
  std::string head_out_;  // a rewritten head, reused
  std::optional<request_observer> rq_;
  std::optional<response_observer> rs_;
  std::unique_ptr<upstream_conn> up_;
  openai::sse_framer framer_;
  std::string chunk_header_;  // this stream's repeated chunk fields (compact_chunk)
  usage_event_filter filter_;  // include_usage rewrite: drops the usage event we asked for
  std::string filtered_;       // events ready to go downstream in filter mode
  std::string rewritten_body_;  // the request body with include_usage added
  int64_t resumed_ = 0;  // when our code last got control back from an await
  uint64_t served_ = 0;  // calls on this connection so far
  net::steady_timer head_timer_{down_.get_executor()};
  uint64_t head_wait_gen_ = 0;
  bool head_timed_out_ = false;

  // Time inside llmtap: everything between awaits.
  int64_t resume() { return resumed_ = mono_ns(); }
  void pause(exchange& x) { x.inside_ns += mono_ns() - resumed_; }

  // ---- phase: read_request -------------------------------------------------------------
  net::awaitable<read_status> read_request(exchange& x) {
    auto& rq = rq_.emplace();
    rq.header_limit(static_cast<std::uint32_t>(s_.max_header_bytes));
    rq.body_limit(s_.max_body_bytes);
    rq.eager(false);  // stop after the head so head_end_ is known
    size_t cap = s_.capture_max_bytes;
    rq.on_body = [&x, cap](std::string_view b) { append_capped(x.request_body, b, cap); };
    size_t parsed = 0;
    bool sent_continue = false;
    head_end_ = 0;
    if (filled_ > 0) {
      resume();
      stamp_accepted(x);
    }
    for (;;) {
      if (filled_ > parsed) {
        beast::error_code ec;
        size_t n = rq.put(net::buffer(dbuf_.data() + parsed, filled_ - parsed), ec);
        parsed += n;
        if (head_end_ == 0 && rq.is_header_done()) {
          head_end_ = parsed;
          x.t.request_head_done = mono_ns();
          rq.eager(true);
        }
        if (ec == beast::http::error::need_more) ec = {};
        if (ec) co_return co_await reject_request(x, ec);
        if (rq.is_done()) {
          body_end_ = parsed;
          co_return read_status::ok;
        }
        if (n > 0 && parsed < filled_) continue;
      }
      if (head_end_ != 0 && rq.expect_continue && !sent_continue && rq.body_bytes == 0) {
        // We read the whole body before forwarding, so we answer the client's Expect ourselves.
        static constexpr std::string_view k100 = "HTTP/1.1 100 Continue\r\n\r\n";
        sent_continue = true;
        down_.expires_after(s_.idle_timeout);
        auto [wec, wn] = co_await write_all(down_, net::buffer(k100));
        if (wec) co_return read_status::closed;
      }
      if (filled_ == dbuf_.size()) {
        size_t limit = s_.max_header_bytes + s_.max_body_bytes + kInitialBuffer;
        if (dbuf_.size() >= limit) co_return co_await reject_request(x, beast::http::error::body_limit);
        grow_request_buffer(std::min(limit, dbuf_.size() * 2));
      }
      bool waiting_for_next = filled_ == 0;
      if (waiting_for_next) {
        // A fresh connection gets the header timeout; a kept-alive one the idle timeout.
        down_.expires_after(served_ == 0 ? s_.header_timeout : s_.idle_timeout);
        if (handle_.idle && w_.stopping) co_return read_status::closed;
      } else if (head_end_ == 0) {
        // A partial head: the deadline counts from its first byte. Beast's stream timeout would
        // close the socket, and we still want to answer 408, so our own timer cancels the read.
        auto left = std::chrono::nanoseconds(x.t.accepted + std::chrono::nanoseconds(s_.header_timeout).count() - mono_ns());
        down_.expires_never();
        head_timed_out_ = false;
        head_timer_.expires_after(std::max(left, std::chrono::nanoseconds(1)));
        head_timer_.async_wait([this, gen = ++head_wait_gen_](beast::error_code e) {
          if (e || gen != head_wait_gen_) return;  // cancelled, or a later read is waiting now
          head_timed_out_ = true;
          beast::error_code ignored;
          down_.socket().cancel(ignored);
        });
      } else {
        down_.expires_after(s_.idle_timeout);
      }
      handle_.idle = waiting_for_next;
      if (!waiting_for_next) pause(x);
      auto [ec, n] = co_await down_.async_read_some(
          net::buffer(dbuf_.data() + filled_, dbuf_.size() - filled_), kTuple);
      handle_.idle = false;
      resume();
      if (head_end_ == 0 && filled_ > 0) {
        ++head_wait_gen_;
        head_timer_.cancel();
      }
      if (ec) {
        if (filled_ > 0 && (ec == beast::error::timeout || head_timed_out_)) {
          co_await answer_error(x, kRequestTimeout, "the request was not received in time",
                                outcome::rejected, true);
          co_return read_status::answered;
        }
        co_return read_status::closed;  // client gone, or idle: nothing to answer
      }
      if (filled_ == 0) stamp_accepted(x);
      filled_ += n;
    }
  }

  // Growing the request buffer moves it. The parsed head's views (method, target, fields) point
  // into it, and are read after the body (route): they follow to the same offsets in the new
  // buffer. (They used to be left pointing into the freed one whenever a body outgrew 16 KB.)
  void grow_request_buffer(size_t n) {
    const auto old = reinterpret_cast<uintptr_t>(dbuf_.data());
    const size_t old_size = dbuf_.size();
    dbuf_.resize(n, filled_);
    if (!rq_) return;
    auto follow = [&](std::string_view& v) {
      const auto p = reinterpret_cast<uintptr_t>(v.data());
      if (!v.empty() && p >= old && p < old + old_size) v = std::string_view(dbuf_.data() + (p - old), v.size());
    };
    follow(rq_->method);
    follow(rq_->target);
    for (auto& f : rq_->fields) {
      follow(f.name);
      follow(f.value);
    }
  }

  void stamp_accepted(exchange& x) {
    x.t.accepted = resumed_;
    x.wall_start_unix_ns = wall_ns();
    x.id = w_.new_exchange_id();
    head_end_ = 0;
  }

  net::awaitable<read_status> reject_request(exchange& x, beast::error_code ec) {
    auto& rq = *rq_;
    x.method.assign(rq.method);
    if (auto q = rq.target.find('?'); q != std::string_view::npos) x.path.assign(rq.target.substr(0, q));
    else x.path.assign(rq.target);
    if (ec == beast::http::error::header_limit) {
      co_await answer_error(x, kHeadersTooLarge,
                            fmt::format("request headers exceed {} bytes", s_.max_header_bytes),
                            outcome::rejected, true);
    } else if (ec == beast::http::error::body_limit) {
      co_await answer_error(x, kBodyTooLarge,
                            fmt::format("request body exceeds {} bytes", s_.max_body_bytes),
                            outcome::rejected, true);
    } else if (rq.framing == framing_error::content_length_with_transfer_encoding ||
               (ec == beast::http::error::bad_transfer_encoding && rq.has_content_length())) {
      // (Beast itself refuses Transfer-Encoding after Content-Length, before our check runs.)
      co_await answer_error(x, kBadRequest,
                            "request has both Content-Length and Transfer-Encoding",
                            outcome::rejected, true);
    } else if (rq.framing == framing_error::bad_transfer_encoding) {
      co_await answer_error(x, kBadRequest,
                            "request Transfer-Encoding must end in chunked (HTTP/1.1 only)",
                            outcome::rejected, true);
    } else {
      co_await answer_error(x, kBadRequest, fmt::format("malformed HTTP request: {}", ec.message()),
                            outcome::rejected, true);
    }
    co_return read_status::answered;
  }

  net::awaitable<void> answer_error(exchange& x, const proxy_error_info& e, std::string message,
                                    outcome o, bool close) {
    x.status = static_cast<uint16_t>(e.status);
    x.result = o;
    x.error_type = e.type;
    x.error_code = e.code;
    head_out_ = make_error_response(e, message, close);
    x.proxy_error = std::move(message);
    if (o == outcome::rejected) w_.counters.rejected.fetch_add(1, std::memory_order_relaxed);
    else w_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
    down_.expires_after(s_.idle_timeout);
    pause(x);
    co_await write_all(down_, net::buffer(head_out_));
    x.t.last_byte = resume();
  }

  // ---- phase: route ------------------------------------------------------------------------
  // Picks the upstream, fills the request facts of the exchange and builds the upstream head.
  // Returns the target index, or -1 after answering an error.
  net::awaitable<int> route(exchange& x) {
    auto& rq = *rq_;
    x.method.assign(rq.method);
    std::string_view target = rq.target;
    if (target.empty() || target[0] != '/') {
      co_await answer_error(x, kBadRequest,
                            "llmtap is not an open proxy: the request target must be a path",
                            outcome::rejected, false);
      co_return -1;
    }
    auto q = target.find('?');
    std::string_view path = target.substr(0, q);
    std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q);
    int ti = 0;
    if (path.size() > 3 && path.substr(0, 3) == "/u/") {
      auto rest = path.substr(3);
      auto slash = rest.find('/');
      auto name = rest.substr(0, slash);
      ti = -1;
      for (size_t i = 0; i < w_.targets.size(); ++i)
        if (w_.targets[i].name == name) ti = static_cast<int>(i);
      if (ti < 0) {
        x.path.assign(path);
        co_await answer_error(x, kUnknownUpstream,
                              fmt::format("no upstream named \"{}\" is configured", name),
                              outcome::rejected, false);
        co_return -1;
      }
      path = slash == std::string_view::npos ? std::string_view("/") : rest.substr(slash);
    }
    const auto& t = w_.targets[static_cast<size_t>(ti)];
    x.path.assign(path);
    x.upstream = t.name;
    auto info = openai::classify_path(path);
    x.ep = info.ep;
    x.deployment.assign(info.deployment);
    x.request_bytes = rq.body_bytes;
    x.service = s_.service;
    x.env = s_.env;
    x.version = s_.version;

    // include_usage rewrite: only for bodies we hold whole, and clients that speak HTTP/1.1
    // (the filtered response is re-chunked).
    x.include_usage_injected =
        s_.inject_include_usage && rq.version >= 11 && rq.method == "POST" &&
        (x.ep == endpoint::chat_completions || x.ep == endpoint::completions) &&
        !x.request_body.truncated && x.request_body.bytes.size() == rq.body_bytes &&
        add_include_usage(x.request_body.bytes, rewritten_body_);

    bool api_path = path.substr(0, 4) == "/v1/" || path == "/v1" || path.substr(0, 8) == "/openai/";
    head_out_.clear();
    head_out_.append(rq.method).append(" ").append(t.base_prefix);
    if (!api_path) head_out_.append("/v1");
    head_out_.append(path).append(query).append(" HTTP/1.1\r\nHost: ").append(t.host_header).append("\r\n");
    std::string_view authorization, api_key;
    trace_header_reader trace;
    for (const auto& f : rq.fields) {
      using F = beast::http::field;
      switch (f.known) {
        case F::host:
        case F::expect:            // answered by us
        case F::accept_encoding:   // bodies must stay readable for accounting
          continue;
        case F::content_length:
        case F::transfer_encoding:
          if (x.include_usage_injected) continue;  // the new body's length is sent below
          break;
        case F::authorization: authorization = f.value; break;
        case F::content_type: x.request_content_type.assign(f.value); break;
        case F::unknown:
          if (istarts_with(f.name, "x-llmtap-")) {
            apply_llmtap_header(x, f.name.substr(9), f.value);
            continue;
          }
          if (iequals(f.name, "api-key")) api_key = f.value;
          else if (trace.observe(f.name, f.value)) {
          } else if (iequals(f.name, "openai-organization")) x.organization.assign(f.value);
          else if (iequals(f.name, "openai-project")) x.project.assign(f.value);
          else if (iequals(f.name, "x-stainless-retry-count")) {
            int64_t v = 0;
            if (openai::parse_int(f.value, v) && v >= 0 && v < 1000) x.retry_count = static_cast<int32_t>(v);
          }
          break;
        default:
          if (is_hop_by_hop(f.known, f.name)) continue;
          break;
      }
      head_out_.append(f.name).append(": ").append(f.value).append("\r\n");
    }
    if (x.include_usage_injected)
      head_out_.append("Content-Length: ").append(std::to_string(rewritten_body_.size())).append("\r\n");
    head_out_.append("\r\n");
    x.trace = trace.result();
    auto key = openai::api_key_from_headers(authorization, api_key);
    if (!key.empty()) {
      const auto& id = w_.identify(key);
      x.key_label = id.label;
      x.key_hash = id.hash;
    }
    co_return ti;
  }

  static void apply_llmtap_header(exchange& x, std::string_view name, std::string_view value) {
    if (iequals(name, "service")) x.service.assign(value);
    else if (iequals(name, "env")) x.env.assign(value);
    else if (iequals(name, "version")) x.version.assign(value);
  }

  // ---- phases: acquire_upstream, send_request, read_response_head, relay_response_body ----
  // Returns whether the downstream connection may carry another request.
  net::awaitable<bool> proxy_call(exchange& x) {
    w_.counters.requests.fetch_add(1, std::memory_order_relaxed);
    int ti = co_await route(x);
    if (ti < 0) co_return !wants_close();
    const auto& t = w_.targets[static_cast<size_t>(ti)];
    if (ubuf_.empty()) ubuf_.resize(kUpstreamBufferStart, 0);
    size_t ufilled = 0, head_end = 0;
    for (int attempt = 0;; ++attempt) {
      x.t.upstream_connect_start = mono_ns();
      up_ = w_.pool.take(static_cast<size_t>(ti), x.t.upstream_connect_start);
      bool reused = up_ != nullptr;
      if (!up_) {
        pause(x);
        auto r = co_await connect_upstream(t, static_cast<size_t>(ti), s_.connect_timeout);
        resume();
        if (!r.conn) {
          co_await answer_error(x, r.timed_out ? kUpstreamTimeout : r.tls_failed ? kUpstreamTls : kUpstreamUnreachable,
                                r.error, r.timed_out ? outcome::upstream_timeout : outcome::upstream_unreachable,
                                wants_close());
          co_return !wants_close();
        }
        up_ = std::move(r.conn);
      }
      x.t.upstream_connected = mono_ns();
      // send_request: the rewritten head and the raw body bytes, in one gathered write.
      std::array<net::const_buffer, 2> out{
          net::buffer(head_out_), x.include_usage_injected
                                      ? net::buffer(rewritten_body_)
                                      : net::buffer(dbuf_.data() + head_end_, body_end_ - head_end_)};
      up_->tcp().expires_after(s_.upstream_idle_timeout);
      pause(x);
      auto [wec, wn] = co_await up_write(*up_, out);
      resume();
      bool stale = false;
      if (!wec) {
        x.t.request_sent = mono_ns();
        auto r = co_await read_response_head(x, ufilled, head_end);
        if (r == head_status::ok) break;
        if (r == head_status::answered) co_return !wants_close();
        stale = true;  // closed before any byte of a response
      }
      up_.reset();
      if (reused && attempt == 0) continue;  // a pooled connection the upstream had closed
      co_await answer_error(x, kUpstreamUnreachable,
                            stale ? "upstream closed the connection without answering"
                                  : fmt::format("cannot send the request upstream: {}", wec.message()),
                            outcome::upstream_disconnected, wants_close());
      co_return !wants_close();
    }
    co_return co_await relay_response_body(x, ufilled, head_end);
  }

  enum class head_status { ok, answered, closed_early };

  net::awaitable<head_status> read_response_head(exchange& x, size_t& ufilled, size_t& head_end) {
    auto& rs = rs_.emplace();
    rs.header_limit(kMaxUpstreamHead);
    rs.body_limit(boost::none);
    rs.eager(false);
    if (rq_->method == "HEAD") rs.skip(true);
    ufilled = 0;
    size_t parsed = 0;
    for (;;) {
      if (ufilled == ubuf_.size()) ubuf_.resize(std::min(ubuf_.size() * 2, kMaxUpstreamHead + kInitialBuffer), ufilled);
      up_->tcp().expires_after(x.t.first_byte == 0 ? s_.upstream_timeout : s_.upstream_idle_timeout);
      pause(x);
      auto [ec, n] = co_await up_read(*up_, net::buffer(ubuf_.data() + ufilled, ubuf_.size() - ufilled));
      resume();
      if (ec) {
        if (ufilled == 0 && x.t.first_byte == 0 && is_disconnect(ec)) co_return head_status::closed_early;
        up_.reset();
        if (ec == beast::error::timeout) {
          co_await answer_error(x, kUpstreamTimeout, "upstream did not answer in time",
                                outcome::upstream_timeout, wants_close());
        } else {
          co_await answer_error(x, kBadUpstreamResponse,
                                fmt::format("upstream connection failed before the response head: {}", ec.message()),
                                outcome::upstream_disconnected, wants_close());
        }
        co_return head_status::answered;
      }
      if (x.t.first_byte == 0) x.t.first_byte = resumed_;
      ufilled += n;
      beast::error_code pec;
      parsed += rs.put(net::buffer(ubuf_.data() + parsed, ufilled - parsed), pec);
      if (pec == beast::http::error::need_more) pec = {};
      if (pec) {
        up_.reset();
        co_await answer_error(x, kBadUpstreamResponse,
                              fmt::format("upstream sent a malformed response head: {}", pec.message()),
                              outcome::upstream_disconnected, wants_close());
        co_return head_status::answered;
      }
      if (!rs.is_header_done()) continue;
      if (rs.status >= 100 && rs.status < 200) {
        // Interim responses (100 Continue, 103 Early Hints) are not relayed: the client's
        // Expect was already answered by us.
        std::memmove(ubuf_.data(), ubuf_.data() + parsed, ufilled - parsed);
        ufilled -= parsed;
        parsed = 0;
        rs_.emplace();
        rs_->header_limit(kMaxUpstreamHead);
        rs_->body_limit(boost::none);
        rs_->eager(false);
        continue;
      }
      head_end = parsed;
      co_return head_status::ok;
    }
  }

  net::awaitable<bool> relay_response_body(exchange& x, size_t ufilled, size_t head_end) {
    auto& rs = *rs_;
    x.status = static_cast<uint16_t>(rs.status);
    bool close = wants_close() || rs.need_eof() || w_.stopping;
    for (const auto& f : rs.fields) observe_response_field(x, f);
    // A stream whose usage event we asked for: complete events are re-chunked downstream with
    // that event left out. Every other response is relayed as raw bytes.
    bool filter = x.include_usage_injected && x.stream && rs.status == 200;
    head_out_.clear();
    head_out_.append("HTTP/1.1 ").append(std::to_string(rs.status)).append(" ").append(rs.reason).append("\r\n");
    for (const auto& f : rs.fields) {
      if (is_hop_by_hop(f.known, f.name)) continue;
      if (filter && (f.known == beast::http::field::content_length ||
                     f.known == beast::http::field::transfer_encoding))
        continue;
      head_out_.append(f.name).append(": ").append(f.value).append("\r\n");
    }
    if (filter) head_out_.append("transfer-encoding: chunked\r\n");
    if (close) head_out_.append("connection: close\r\n");
    head_out_.append("\r\n");
    size_t cap = s_.capture_max_bytes;
    if (x.stream) {
      framer_.reset();
      chunk_header_.clear();
      filter_.reset();
      filtered_.clear();
      rs.on_body = [this, &x, filter, cap](std::string_view b) {
        framer_.feed(b, [this, &x, cap](const openai::sse_event& ev) {
          x.next_event_slot().assign(ev.data);
          // The content test runs only until the first token; after that every payload is kept
          // (events without text add nothing when usage is estimated).
          if (x.t.first_token == 0) {
            if (!openai::event_has_content(ev.event, ev.data)) return;
            x.t.first_token = mono_ns();
          }
          std::string_view lead;
          std::string_view kept = compact_chunk(ev.data, chunk_header_, lead);
          append_event_capped(x.stream_content, lead, kept, cap);
        });
        if (filter) filter_.feed(b, filtered_);
      };
    } else {
      rs.on_body = [&x, cap](std::string_view b) { append_capped(x.response_body, b, cap); };
    }

    if (filter) co_return co_await relay_filtered(x, ufilled, head_end, close);
    // The head and whatever body came with it go out first; then we look at the body.
    std::array<net::const_buffer, 2> first{net::buffer(head_out_),
                                           net::buffer(ubuf_.data() + head_end, ufilled - head_end)};
    down_.expires_after(s_.idle_timeout);
    pause(x);
    auto [wec, wn] = co_await write_all(down_, first);
    resume();
    if (wec) co_return client_gone(x);
    rs.eager(true);
    size_t leftover = ufilled - head_end;
    std::memmove(ubuf_.data(), ubuf_.data() + head_end, leftover);
    if (!observe_body(x, leftover)) co_return false;
    leftover -= consumed_;  // what is left is a partial chunk header, now at the front

    while (!rs.is_done()) {
      auto [st, n] = co_await read_body(x, leftover);
      if (st == body_read::ended) break;
      if (st == body_read::cut) co_return false;  // the client sees the cut too
      down_.expires_after(s_.idle_timeout);
      pause(x);
      auto [dec, dn] = co_await write_all(down_, net::buffer(ubuf_.data() + leftover, n));
      resume();
      if (dec) co_return client_gone(x);
      if (!observe_body(x, leftover + n)) co_return false;
      leftover = leftover + n - consumed_;
    }
    co_return response_done(x, close);
  }

  bool response_done(exchange& x, bool close) {
    auto& rs = *rs_;
    x.t.last_byte = mono_ns();
    x.response_bytes = rs.body_bytes;
    if (!rs.connection_close && !rs.need_eof() && !w_.stopping) w_.pool.give_back(std::move(up_), x.t.last_byte);
    else up_.reset();
    return !close;
  }

  // The include_usage variant of the relay: parse first (the filter needs whole events), then
  // send the events that completed in this read as one chunk. No delay is added: an event is of
  // use to the client only once it is complete.
  net::awaitable<bool> relay_filtered(exchange& x, size_t ufilled, size_t head_end, bool close) {
    auto& rs = *rs_;
    rs.eager(true);
    size_t leftover = ufilled - head_end;
    std::memmove(ubuf_.data(), ubuf_.data() + head_end, leftover);
    if (!observe_body(x, leftover)) co_return false;
    leftover -= consumed_;
    bool head_pending = true;
    for (;;) {
      if (rs.is_done()) filter_.finish(filtered_);
      if (!filtered_.empty() || head_pending || rs.is_done()) {
        std::string size_line = filtered_.empty() ? std::string() : fmt::format("{:x}\r\n", filtered_.size());
        static constexpr std::string_view kCrlf = "\r\n", kLast = "0\r\n\r\n";
        std::array<net::const_buffer, 5> out{
            net::buffer(head_pending ? std::string_view(head_out_) : std::string_view()), net::buffer(size_line),
            net::buffer(filtered_), net::buffer(filtered_.empty() ? std::string_view() : kCrlf),
            net::buffer(rs.is_done() ? kLast : std::string_view())};
        down_.expires_after(s_.idle_timeout);
        pause(x);
        auto [dec, dn] = co_await write_all(down_, out);
        resume();
        if (dec) co_return client_gone(x);
        head_pending = false;
        filtered_.clear();
      }
      if (rs.is_done()) break;
      auto [st, n] = co_await read_body(x, leftover);
      if (st == body_read::ended) continue;
      if (st == body_read::cut) {
        // Pass on what we held, then cut: the client sees the same truncation as the upstream's.
        filter_.finish(filtered_);
        if (!filtered_.empty()) {
          std::string size_line = fmt::format("{:x}\r\n", filtered_.size());
          std::array<net::const_buffer, 3> out{net::buffer(size_line), net::buffer(filtered_),
                                               net::buffer(std::string_view("\r\n"))};
          down_.expires_after(s_.idle_timeout);
          co_await write_all(down_, out);
        }
        co_return false;
      }
      if (!observe_body(x, leftover + n)) co_return false;
      leftover = leftover + n - consumed_;
    }
    co_return response_done(x, close);
  }

  size_t consumed_ = 0;

  // Feeds ubuf_[0, n) to the response parser (which feeds the framer or the capture); keeps
  // any unparsed tail (a partial chunk header) at the front of ubuf_.
  bool observe_body(exchange& x, size_t n) {
    auto& rs = *rs_;
    beast::error_code ec;
    consumed_ = n == 0 ? 0 : rs.put(net::buffer(ubuf_.data(), n), ec);
    if (ec == beast::http::error::need_more) ec = {};
    if (ec || n - consumed_ > kMaxChunkHeader) {
      x.result = outcome::upstream_disconnected;
      x.proxy_error = fmt::format("upstream sent a malformed body: {}", ec ? ec.message() : "chunk header too long");
      up_.reset();
      x.t.last_byte = mono_ns();
      return false;
    }
    std::memmove(ubuf_.data(), ubuf_.data() + consumed_, n - consumed_);
    return true;
  }

  enum class body_read { data, ended, cut };

  // The next read of the response body, after the `leftover` bytes kept at the front of ubuf_.
  // `ended`: the body was delimited by the connection's end and is complete. `cut`: the upstream
  // failed mid-body; the exchange says so and the connection is gone.
  net::awaitable<std::pair<body_read, size_t>> read_body(exchange& x, size_t leftover) {
    up_->tcp().expires_after(s_.upstream_idle_timeout);
    pause(x);
    auto [ec, n] = co_await up_read(*up_, net::buffer(ubuf_.data() + leftover, ubuf_.size() - leftover));
    resume();
    if (!ec) {
      if (leftover + n == ubuf_.size() && ubuf_.size() < kUpstreamBufferMax) ubuf_.resize(ubuf_.size() * 2, leftover + n);
      co_return std::pair{body_read::data, n};
    }
    if (rs_->need_eof() && (ec == net::error::eof || ec == net::ssl::error::stream_truncated)) {
      beast::error_code eec;
      rs_->put_eof(eec);
      co_return std::pair{body_read::ended, size_t{0}};
    }
    upstream_cut(x, ec);
    co_return std::pair{body_read::cut, size_t{0}};
  }

  // The upstream failed mid-body (reset, EOF or idle): recorded, and the call ends here.
  bool upstream_cut(exchange& x, const beast::error_code& ec) {
    bool idle = ec == beast::error::timeout;
    x.result = idle ? outcome::upstream_timeout : outcome::upstream_disconnected;
    x.proxy_error = fmt::format("upstream {} mid-response: {}", idle ? "went idle" : "disconnected", ec.message());
    w_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
    x.response_bytes = rs_->body_bytes;
    up_.reset();
    x.t.last_byte = mono_ns();
    return false;
  }

  bool client_gone(exchange& x) {
    x.result = outcome::client_aborted;
    x.proxy_error = "the client closed the connection before the response was complete";
    x.response_bytes = rs_->body_bytes;
    x.t.last_byte = mono_ns();
    up_.reset();  // the rest of the response is unread: the connection cannot be reused
    return false;
  }

  static void observe_response_field(exchange& x, const header_field& f) {
    using F = beast::http::field;
    if (f.known == F::content_type) {
      x.stream = istarts_with(f.value, "text/event-stream");
    } else if (f.known == F::unknown) {
      if (openai::apply_rate_limit_header(x.limits, f.name, f.value)) return;
      if (iequals(f.name, "x-request-id")) x.request_id.assign(f.value);
      else if (iequals(f.name, "openai-processing-ms")) x.processing_ms = static_cast<int32_t>(openai::parse_processing_ms(f.value));
      else if (iequals(f.name, "openai-organization")) x.organization_name.assign(f.value);
    }
  }

  bool wants_close() const {
    const auto& rq = *rq_;
    return rq.connection_close || (rq.version < 11 && !rq.connection_keep_alive);
  }

  // ---- phase: finish -------------------------------------------------------------------------
  // The logging hand-off: the exchange leaves this thread, or is dropped and counted.
  void finish(std::unique_ptr<exchange> x) {
    if (x->t.accepted == 0) return;
    pause(*x);
    w_.out.try_push(std::move(x));
  }
};

net::awaitable<void> run_session(worker& w, tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  session s(w, std::move(socket));
  co_await s.run();
}

}  // namespace llmtap::proxy
