// The request side of a session: reading the request, routing it and the hand-off (session.h).
#include "proxy/session.h"

#include <fmt/format.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <cstdint>
#include <cstring>

#include "core/exchange_recycler.h"
#include "core/header_name.h"
#include "core/trace_headers.h"
#include "openai/body.h"
#include "openai/endpoint.h"
#include "openai/headers.h"
#include "proxy/stream_capture.h"

namespace llmtap::proxy {

net::awaitable<void> session::run() {
  for (;;) {
    if (w_.stopping && filled_ == 0) break;
    auto x = take_exchange();
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
    if (dbuf_.size() > 16 * kInitialBuffer && filled_ <= kRequestBufferStart)
      dbuf_.resize(kRequestBufferStart, filled_);
  }
  beast::error_code ec;
  down_.shutdown(tcp::socket::shutdown_send, ec);
  down_.close();
}

net::awaitable<session::read_status> session::read_request(exchange& x) {
  auto& rq = new_request_observer();
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
      size_t n = rq.put(dbuf_.data() + parsed, filled_ - parsed, ec);
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
      down_wait(s_.idle_timeout);
      auto [wec, wn] = co_await write_all(down_, net::buffer(k100));
      if (wec) co_return read_status::closed;
    }
    if (filled_ == dbuf_.size()) {
      size_t limit = s_.max_header_bytes + s_.max_body_bytes + kInitialBuffer;
      if (dbuf_.size() >= limit)
        co_return co_await reject_request(x, beast::http::error::body_limit);
      grow_request_buffer(std::min(limit, dbuf_.size() * 2));
    }
    bool waiting_for_next = filled_ == 0;
    if (waiting_for_next) {
      // A fresh connection gets the header timeout; a kept-alive one the idle timeout.
      down_wait(served_ == 0 ? s_.header_timeout : s_.idle_timeout);
      if (handle_.idle && w_.stopping) co_return read_status::closed;
    } else if (head_end_ == 0) {
      // A partial head: the deadline counts from its first byte. The sweep cancels the read and
      // leaves the socket open, so that the 408 can still be sent.
      auto left = std::chrono::nanoseconds(
          x.t.accepted + std::chrono::nanoseconds(s_.header_timeout).count() - mono_ns());
      down_wait(std::max(left, std::chrono::nanoseconds(1)));
    } else {
      down_wait(s_.idle_timeout);
    }
    if (waiting_for_next && served_ > 0 && w_.sessions.size() > 1) {
      // A kept-alive client sends its next request only once it has the response, which went
      // out a moment ago: a read now nearly always found nothing (a recv returning EAGAIN, then
      // a trip through the reactor). The worker serves its other connections first and reads
      // after, by when the request has usually arrived (bench/README.md, "Session 9": 1.8 ->
      // 0.8 empty reads a call and 1.57x -> 1.48x nginx's CPU at 64 connections). Alone on the
      // worker there is nothing to serve first. A stop that came meanwhile found no read to
      // cancel: it is looked at again.
      co_await net::post(co_await net::this_coro::executor, net::use_awaitable);
      if (w_.stopping) co_return read_status::closed;
    }
    handle_.idle = waiting_for_next;
    if (!waiting_for_next) pause(x);
    auto [rec, n] = co_await down_.async_read_some(
        net::buffer(dbuf_.data() + filled_, dbuf_.size() - filled_), kTuple);
    handle_.idle = false;
    resume();
    const beast::error_code ec = down_result(rec);
    if (ec) {
      if (filled_ > 0 && ec == beast::error::timeout) {
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

void session::grow_request_buffer(size_t n) {
  const auto old = reinterpret_cast<uintptr_t>(dbuf_.data());
  const size_t old_size = dbuf_.size();
  dbuf_.resize(n, filled_);
  if (!rq_) return;
  auto follow = [&](std::string_view& v) {
    const auto p = reinterpret_cast<uintptr_t>(v.data());
    if (!v.empty() && p >= old && p < old + old_size)
      v = std::string_view(dbuf_.data() + (p - old), v.size());
  };
  follow(rq_->method);
  follow(rq_->target);
  for (auto& f : rq_->fields) {
    follow(f.name);
    follow(f.value);
  }
}

void session::stamp_accepted(exchange& x) {
  x.t.accepted = resumed_;
  x.wall_start_unix_ns = wall_ns();
  x.id = w_.new_exchange_id();
  head_end_ = 0;
}

net::awaitable<session::read_status> session::reject_request(exchange& x, beast::error_code ec) {
  auto& rq = *rq_;
  x.method.assign(rq.method);
  if (auto q = rq.target.find('?'); q != std::string_view::npos)
    x.path.assign(rq.target.substr(0, q));
  else
    x.path.assign(rq.target);
  if (ec == beast::http::error::header_limit) {
    co_await answer_error(x, kHeadersTooLarge,
                          fmt::format("request headers exceed {} bytes", s_.max_header_bytes),
                          outcome::rejected, true);
  } else if (ec == beast::http::error::body_limit) {
    co_await answer_error(x, kBodyTooLarge,
                          fmt::format("request body exceeds {} bytes", s_.max_body_bytes),
                          outcome::rejected, true);
  } else if (rq.framing == framing_error::content_length_with_transfer_encoding) {
    co_await answer_error(x, kBadRequest, "request has both Content-Length and Transfer-Encoding",
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

net::awaitable<void> session::answer_error(exchange& x, const proxy_error_info& e,
                                           std::string message, outcome o, bool close) {
  x.status = static_cast<uint16_t>(e.status);
  x.result = o;
  x.error_type = e.type;
  x.error_code = e.code;
  head_out_ = make_error_response(e, message, close);
  x.proxy_error = std::move(message);
  if (o == outcome::rejected)
    w_.counters.rejected.fetch_add(1, std::memory_order_relaxed);
  else
    w_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
  down_wait(s_.idle_timeout);
  pause(x);
  co_await write_all(down_, net::buffer(head_out_));
  x.t.last_byte = resume();
}

net::awaitable<int> session::route(exchange& x) {
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
  // (the filtered response is re-chunked). Decided after the headers (the content type), which
  // hold back the body's length meanwhile: a rewritten body has another.
  const bool rewritable = s_.inject_include_usage && rq.version >= 11 && rq.method == "POST" &&
                          (x.ep == endpoint::chat_completions || x.ep == endpoint::completions) &&
                          !x.request_body.truncated && x.request_body.bytes.size() == rq.body_bytes;
  std::array<const header_field*, 2> length_fields{};  // Content-Length, Transfer-Encoding

  bool api_path = path.substr(0, 4) == "/v1/" || path == "/v1" || path.substr(0, 8) == "/openai/";
  head_out_.clear();
  head_out_.append(rq.method).append(" ").append(t.base_prefix);
  if (!api_path) head_out_.append("/v1");
  head_out_.append(path)
      .append(query)
      .append(" HTTP/1.1\r\nHost: ")
      .append(t.host_header)
      .append("\r\n");
  std::string_view authorization, api_key;
  trace_header_reader trace;
  for (const auto& f : rq.fields) {
    using F = field_name;
    switch (f.known) {
      case F::host:
      case F::expect:           // answered by us
      case F::accept_encoding:  // bodies must stay readable for accounting
        continue;
      case F::content_length:
      case F::transfer_encoding:
        if (rewritable) {  // sent below, or replaced by the new body's length
          length_fields[f.known == F::content_length ? 0 : 1] = &f;
          continue;
        }
        break;
      case F::authorization:
        authorization = f.value;
        break;
      case F::content_type:
        x.request_content_type.assign(f.value);
        break;
      case F::other:
        if (name_starts_with(f.name, "x-llmtap-")) {
          apply_llmtap_header(x, f.name.substr(9), f.value);
          continue;
        }
        if (name_is(f.name, "api-key"))
          api_key = f.value;
        else if (trace.observe(f.name, f.value)) {
        } else if (name_is(f.name, "openai-organization"))
          x.organization.assign(f.value);
        else if (name_is(f.name, "openai-project"))
          x.project.assign(f.value);
        else if (name_is(f.name, "x-stainless-retry-count")) {
          int64_t v = 0;
          if (openai::parse_int(f.value, v) && v >= 0 && v < 1000)
            x.retry_count = static_cast<int32_t>(v);
        }
        break;
      default:
        if (is_hop_by_hop(f.known)) continue;
        break;
    }
    append_header_line(head_out_, f.name, f.value);
  }
  if (rewritable) {
    // The request's facts are read here, once (the pipeline skips them): the rewrite depends on
    // them, and simdjson reads them in a third of the time of the rewrite's own scan (~180 ns
    // against ~540 ns on a 1.2 KB streamed request, bench/README.md).
    const openai::request_keys keys = openai::parse_request(x, x.request_content_type);
    x.request_parsed = true;
    if (x.stream_requested && !x.include_usage_requested) {
      // What the SDKs send by default, an object without stream_options, needs no scan of its
      // own: the member goes before the closing brace (~6,000 instructions a call less).
      const std::string& body = x.request_body.bytes;
      x.include_usage_injected = keys.walked && !keys.stream_options
                                     ? add_stream_options(body, rewritten_body_)
                                     : add_include_usage(body, rewritten_body_);
    }
    if (x.include_usage_injected)
      head_out_.append("Content-Length: ")
          .append(std::to_string(rewritten_body_.size()))
          .append("\r\n");
    else
      for (const header_field* f : length_fields)
        if (f != nullptr) append_header_line(head_out_, f->name, f->value);
  }
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

void session::apply_llmtap_header(exchange& x, std::string_view name, std::string_view value) {
  if (name_is(name, "service"))
    x.service.assign(value);
  else if (name_is(name, "env"))
    x.env.assign(value);
  else if (name_is(name, "version"))
    x.version.assign(value);
}

bool session::wants_close() const {
  const auto& rq = *rq_;
  return rq.connection_close || (rq.version < 11 && !rq.connection_keep_alive);
}

void session::finish(std::unique_ptr<exchange> x) {
  if (x->t.accepted == 0) return;
  pause(*x);
  w_.out.try_push(std::move(x));
}

net::awaitable<void> run_session(worker& w, tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  session s(w, std::move(socket));
  co_await s.run();
}

}  // namespace llmtap::proxy
