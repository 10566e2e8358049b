// The upstream side of a session: taking or opening an upstream connection, sending the request,
// reading the response head and relaying the body while observing it (session.h).
#include "proxy/session.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>

#include "core/header_name.h"
#include "openai/headers.h"
#include "proxy/stream_capture.h"

namespace llmtap::proxy {
namespace {

// A chunk's size line, "<hex>\r\n", written into `buf`.
constexpr size_t kSizeLineMax = 20;
std::string_view chunk_size_line(size_t n, char (&buf)[kSizeLineMax]) {
  char* end = std::to_chars(buf, buf + kSizeLineMax - 2, n, 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  return {buf, static_cast<size_t>(end - buf)};
}

}  // namespace

net::awaitable<bool> session::proxy_call(exchange& x) {
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
        co_await answer_error(
            x,
            r.timed_out    ? kUpstreamTimeout
            : r.tls_failed ? kUpstreamTls
                           : kUpstreamUnreachable,
            r.error, r.timed_out ? outcome::upstream_timeout : outcome::upstream_unreachable,
            wants_close());
        co_return !wants_close();
      }
      up_ = std::move(r.conn);
    }
    // A pooled connection is ready when taken (the docs' "= connect_start when reused").
    x.t.upstream_connected = reused ? x.t.upstream_connect_start : resumed_;
    // send_request: the rewritten head and the raw body bytes, in one gathered write.
    std::array<net::const_buffer, 2> out{
        net::buffer(head_out_), x.include_usage_injected
                                    ? net::buffer(rewritten_body_)
                                    : net::buffer(dbuf_.data() + head_end_, body_end_ - head_end_)};
    beast::error_code wec;
    const size_t sent = up_->plain ? send_now(*up_->plain, out, wec) : 0;
    const bool waited = !wec && sent < net::buffer_size(out);
    if (waited) wec = co_await send_rest(x, out, sent, true);
    bool stale = false;
    if (!wec) {
      x.t.request_sent = waited ? resumed_ : mono_ns();
      auto r = co_await read_response_head(x, ufilled, head_end);
      if (r == head_status::ok) break;
      if (r == head_status::answered) co_return !wants_close();
      stale = true;  // closed before any byte of a response
    }
    up_.reset();
    if (reused && attempt == 0) continue;  // a pooled connection the upstream had closed
    co_await answer_error(x, kUpstreamUnreachable,
                          stale
                              ? "upstream closed the connection without answering"
                              : fmt::format("cannot send the request upstream: {}", wec.message()),
                          outcome::upstream_disconnected, wants_close());
    co_return !wants_close();
  }
  co_return co_await relay_response_body(x, ufilled, head_end);
}

net::awaitable<session::head_status> session::read_response_head(exchange& x, size_t& ufilled,
                                                                 size_t& head_end) {
  auto& rs = new_response_observer();
  ufilled = 0;
  size_t parsed = 0;
  bool need_read = true;
  for (;;) {
    if (need_read) {
      if (ufilled == ubuf_.size())
        ubuf_.resize(std::min(ubuf_.size() * 2, kMaxUpstreamHead + kInitialBuffer), ufilled);
      up_wait(x.t.first_byte == 0 ? s_.upstream_timeout : s_.upstream_idle_timeout);
      pause(x);
      auto [rec, n] =
          co_await up_read(*up_, net::buffer(ubuf_.data() + ufilled, ubuf_.size() - ufilled));
      resume();
      const beast::error_code ec = up_result(rec);
      if (ec) {
        if (ufilled == 0 && x.t.first_byte == 0 && is_disconnect(ec))
          co_return head_status::closed_early;
        up_.reset();
        if (ec == beast::error::timeout) {
          co_await answer_error(x, kUpstreamTimeout, "upstream did not answer in time",
                                outcome::upstream_timeout, wants_close());
        } else {
          co_await answer_error(
              x, kBadUpstreamResponse,
              fmt::format("upstream connection failed before the response head: {}", ec.message()),
              outcome::upstream_disconnected, wants_close());
        }
        co_return head_status::answered;
      }
      if (x.t.first_byte == 0) x.t.first_byte = resumed_;
      ufilled += n;
    }
    need_read = true;
    beast::error_code pec;
    parsed += rs.put(ubuf_.data() + parsed, ufilled - parsed, pec);
    if (pec == beast::http::error::need_more) pec = {};
    if (pec) {
      up_.reset();
      co_await answer_error(
          x, kBadUpstreamResponse,
          fmt::format("upstream sent a malformed response head: {}", pec.message()),
          outcome::upstream_disconnected, wants_close());
      co_return head_status::answered;
    }
    if (!rs.is_header_done()) continue;
    if (rs.status >= 100 && rs.status < 200) {
      // Interim responses (100 Continue, 103 Early Hints) are not relayed: the client's
      // Expect was already answered by us. What came after one in the same read is parsed
      // before reading again: the final response may be all there.
      std::memmove(ubuf_.data(), ubuf_.data() + parsed, ufilled - parsed);
      ufilled -= parsed;
      parsed = 0;
      new_response_observer();
      need_read = ufilled == 0;
      continue;
    }
    head_end = parsed;
    co_return head_status::ok;
  }
}

net::awaitable<bool> session::relay_response_body(exchange& x, size_t ufilled, size_t head_end) {
  auto& rs = *rs_;
  x.status = static_cast<uint16_t>(rs.status);
  bool close = wants_close() || rs.need_eof() || w_.stopping;
  for (const auto& f : rs.fields) observe_response_field(x, f);
  // A stream whose usage event we asked for: complete events are re-chunked downstream with
  // that event left out. Every other response is relayed as raw bytes.
  bool filter = x.include_usage_injected && x.stream && rs.status == 200;
  head_out_.clear();
  head_out_.append("HTTP/1.1 ")
      .append(std::to_string(rs.status))
      .append(" ")
      .append(rs.reason)
      .append("\r\n");
  for (const auto& f : rs.fields) {
    if (is_hop_by_hop(f.known)) continue;
    if (filter &&
        (f.known == field_name::content_length || f.known == field_name::transfer_encoding))
      continue;
    append_header_line(head_out_, f.name, f.value);
  }
  if (filter) head_out_.append("transfer-encoding: chunked\r\n");
  if (close) head_out_.append("connection: close\r\n");
  head_out_.append("\r\n");
  size_t cap = s_.capture_max_bytes;
  if (x.stream) {
    framer_.reset();
    chunk_header_.clear();
    compact_tail_ = false;
    filter_.reset();
    filtered_.clear();
    streaming_ = &x;
    filtering_ = filter;
    // Captures only `this` (the rest is in members): a larger capture made std::function
    // allocate on every streamed call.
    rs.on_body = [this](std::string_view b) {
      exchange& call = *streaming_;
      const size_t limit = s_.capture_max_bytes;
      framer_.feed(b, [this, &call, limit](const openai::sse_event& ev) {
        if (filtering_) filter_.observe(ev);
        std::string& slot = call.next_event_slot();
        // The content test runs only until the first token; after that every payload is kept
        // (events without text add nothing when usage is estimated).
        if (call.t.first_token == 0) {
          if (!openai::event_has_content(ev.event, ev.data)) {
            assign_padded(slot, ev.data);
            return;
          }
          call.t.first_token = mono_ns();
        }
        const bool had_header = !chunk_header_.empty();
        std::string_view lead;
        std::string_view kept = compact_chunk(ev.data, chunk_header_, lead);
        // The tail slots keep a chunk compacted too when the first event starts with the same
        // fields (it gives the pipeline the model): the pipeline then parses ~100 bytes of each
        // tail event instead of ~400, and the copy is as short. An uncompacted chunk comes back
        // whole in `kept`, with no lead.
        if (!had_header && !chunk_header_.empty())  // taken from this event
          compact_tail_ = &slot == &call.events[0] || call.events[0].starts_with(chunk_header_);
        // The slot's bytes are the record appended to stream_content (lead + kept) when the slot
        // keeps the chunk compacted or the chunk was not compacted (no lead: kept is all of
        // it); then the slot points there instead of holding a copy.
        const size_t at = append_event_capped(call.stream_content, lead, kept, limit);
        const bool slot_is_record = compact_tail_ || lead.empty();
        if (slot_is_record && at != kNotKept &&
            call.place_last_event_in_content(at, lead.size() + kept.size()))
          return;
        if (slot_is_record)
          assign_padded(slot, lead, kept);
        else
          assign_padded(slot, ev.data);
      });
      if (filtering_) filter_.feed(b, framer_.event_begin(), filtered_);
    };
  } else {
    rs.on_body = [&x, cap](std::string_view b) { append_capped(x.response_body, b, cap); };
  }

  if (filter) co_return co_await relay_filtered(x, ufilled, head_end, close);
  // The head and whatever body came with it go out first; then we look at the body.
  std::array<net::const_buffer, 2> first{net::buffer(head_out_),
                                         net::buffer(ubuf_.data() + head_end, ufilled - head_end)};
  beast::error_code wec;
  size_t sent = send_now(down_, first, wec);
  if (!wec && sent < net::buffer_size(first)) wec = co_await send_rest(x, first, sent, false);
  if (wec) co_return client_gone(x, wec);
  rs.eager(true);
  // The body bytes that came with the head are observed where they are; only what the parser
  // leaves (a partial chunk header) moves to the front, where the next read appends.
  size_t leftover = ufilled - head_end;
  if (!observe_body(x, leftover, head_end)) co_return false;
  leftover -= consumed_;
  grow_if_filled(ufilled, leftover);

  while (!rs.is_done()) {
    auto [st, n] = co_await read_body(x, leftover);
    if (st == body_read::ended) break;
    if (st == body_read::cut) co_return false;  // the client sees the cut too
    const auto more = net::buffer(ubuf_.data() + leftover, n);
    sent = send_now(down_, more, wec);
    if (!wec && sent < n) wec = co_await send_rest(x, more, sent, false);
    if (wec) co_return client_gone(x, wec);
    if (!observe_body(x, leftover + n)) co_return false;
    leftover = leftover + n - consumed_;
  }
  co_return response_done(x, close);
}

bool session::response_done(exchange& x, bool close) {
  auto& rs = *rs_;
  x.t.last_byte = mono_ns();
  x.response_bytes = rs.body_bytes;
  if (!rs.connection_close && !rs.need_eof() && !w_.stopping)
    w_.pool.give_back(std::move(up_), x.t.last_byte);
  else
    up_.reset();
  return !close;
}

net::awaitable<bool> session::relay_filtered(exchange& x, size_t ufilled, size_t head_end,
                                             bool close) {
  auto& rs = *rs_;
  rs.eager(true);
  size_t leftover = ufilled - head_end;
  if (!observe_body(x, leftover, head_end)) co_return false;
  leftover -= consumed_;
  grow_if_filled(ufilled, leftover);
  bool head_pending = true;
  for (;;) {
    if (rs.is_done()) filter_.finish(filtered_);
    if (!filtered_.empty() || head_pending || rs.is_done()) {
      char size_buf[kSizeLineMax];
      const std::string_view size_line =
          filtered_.empty() ? std::string_view() : chunk_size_line(filtered_.size(), size_buf);
      static constexpr std::string_view kCrlf = "\r\n", kLast = "0\r\n\r\n";
      std::array<net::const_buffer, 5> out{
          net::buffer(head_pending ? std::string_view(head_out_) : std::string_view()),
          net::buffer(size_line), net::buffer(filtered_),
          net::buffer(filtered_.empty() ? std::string_view() : kCrlf),
          net::buffer(rs.is_done() ? kLast : std::string_view())};
      beast::error_code wec;
      const size_t sent = send_now(down_, out, wec);
      if (!wec && sent < net::buffer_size(out)) wec = co_await send_rest(x, out, sent, false);
      if (wec) co_return client_gone(x, wec);
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
        char size_buf[kSizeLineMax];
        const std::string_view size_line = chunk_size_line(filtered_.size(), size_buf);
        std::array<net::const_buffer, 3> out{net::buffer(size_line), net::buffer(filtered_),
                                             net::buffer(std::string_view("\r\n"))};
        down_wait(s_.idle_timeout);
        co_await write_all(down_, out);
      }
      co_return false;
    }
    if (!observe_body(x, leftover + n)) co_return false;
    leftover = leftover + n - consumed_;
  }
  co_return response_done(x, close);
}

bool session::observe_body(exchange& x, size_t n, size_t from) {
  auto& rs = *rs_;
  beast::error_code ec;
  consumed_ = n == 0 ? 0 : rs.put(ubuf_.data() + from, n, ec);
  if (ec == beast::http::error::need_more) ec = {};
  if (ec || n - consumed_ > kMaxChunkHeader) {
    x.result = outcome::upstream_disconnected;
    x.proxy_error = fmt::format("upstream sent a malformed body: {}",
                                ec ? ec.message() : "chunk header too long");
    up_.reset();
    x.t.last_byte = mono_ns();
    return false;
  }
  std::memmove(ubuf_.data(), ubuf_.data() + from + consumed_, n - consumed_);
  return true;
}

net::awaitable<std::pair<session::body_read, size_t>> session::read_body(exchange& x,
                                                                         size_t leftover) {
  up_wait(s_.upstream_idle_timeout);
  pause(x);
  auto [rec, n] =
      co_await up_read(*up_, net::buffer(ubuf_.data() + leftover, ubuf_.size() - leftover));
  resume();
  const beast::error_code ec = up_result(rec);
  if (!ec) {
    if (leftover + n == ubuf_.size() && ubuf_.size() < kUpstreamBufferMax)
      ubuf_.resize(ubuf_.size() * 2, leftover + n);
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

bool session::upstream_cut(exchange& x, const beast::error_code& ec) {
  bool idle = ec == beast::error::timeout;
  x.result = idle ? outcome::upstream_timeout : outcome::upstream_disconnected;
  x.proxy_error = fmt::format("upstream {} mid-response: {}", idle ? "went idle" : "disconnected",
                              ec.message());
  w_.counters.upstream_errors.fetch_add(1, std::memory_order_relaxed);
  x.response_bytes = rs_->body_bytes;
  up_.reset();
  x.t.last_byte = mono_ns();
  return false;
}

bool session::client_gone(exchange& x, const beast::error_code& ec) {
  x.result = outcome::client_aborted;
  x.proxy_error =
      ec == beast::error::timeout
          ? fmt::format("the client stopped reading: nothing could be written to it for {} ms",
                        s_.idle_timeout.count())
          : std::string("the client closed the connection before the response was complete");
  x.response_bytes = rs_->body_bytes;
  x.t.last_byte = mono_ns();
  up_.reset();  // the rest of the response is unread: the connection cannot be reused
  return false;
}

void session::observe_response_field(exchange& x, const header_field& f) {
  using F = field_name;
  if (f.known == F::content_type) {
    x.stream = openai::istarts_with(f.value, "text/event-stream");
  } else if (f.known == F::other) {
    if (openai::apply_rate_limit_header(x.limits, f.name, f.value)) return;
    if (name_is(f.name, "x-request-id"))
      x.request_id.assign(f.value);
    else if (name_is(f.name, "openai-processing-ms"))
      x.processing_ms = static_cast<int32_t>(openai::parse_processing_ms(f.value));
    else if (name_is(f.name, "openai-organization"))
      x.organization_name.assign(f.value);
  }
}

}  // namespace llmtap::proxy
