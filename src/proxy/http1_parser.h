#pragma once
// HTTP/1.1 message framing and head parsing (RFC 9112) for the relay, which forwards the raw
// bytes it read and only needs to learn from them: the start line, the fields, where the message
// ends, and the de-chunked body. Views point into the caller's buffer; nothing is copied.
//
// It replaced Beast's basic_parser, whose field loops go a byte at a time with table lookups
// (Beast 1.81 compiles its SIMD search out): ~13,000 instructions a call for the two heads of a
// proxied call, 18% of all of llmtap's instructions on a small JSON call (bench/README.md,
// "Session 10"). Here the end of a line is found 16 bytes at a time, and only the header names
// the proxy acts on are told apart. Errors are Beast's http::error codes, so the messages a
// client or the store sees ("bad field", "bad value", ...) are the same as before.
//
// Refused, as the old observer did: a Content-Length and a Transfer-Encoding in the same message
// (RFC 9112 §6.1), and in requests a Transfer-Encoding that does not end in chunked or comes
// with HTTP/1.0 (§6.3): the request smuggling defences. Stricter than Beast where the RFC lets a
// proxy be: obs-fold (a field line continued on the next, §5.2), a control byte or bare LF in
// a chunk line, and a Transfer-Encoding that is not a clean list of codings is not taken as
// chunked. One leniency: a status line without a reason phrase ("HTTP/1.1 204\r\n"). A test
// mutates valid messages at random and checks that both parsers agree on everything else
// (http1_parser_differential_test.cpp).
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace llmtap::proxy {

using boost::beast::error_code;

// The header names the proxy acts on; every other name is `other`.
enum class field_name : uint8_t {
  other,
  host,
  content_length,
  transfer_encoding,
  connection,
  expect,
  authorization,
  content_type,
  accept_encoding,
  keep_alive,
  proxy_connection,
  proxy_authorization,
  proxy_authenticate,
  te,
  trailer,
  upgrade,
};
// `name` must be a token (the parser checked it).
field_name classify_field_name(std::string_view name);

// Views point into the buffer given to put(); they stay valid while that buffer is unchanged.
struct header_field {
  std::string_view name, value;
  field_name known = field_name::other;
};

// Called with each piece of de-chunked body, in order. Set before put(); may be empty.
using body_observer = std::function<void(std::string_view)>;

// Why a request's framing was refused (the reject path words its answer by it).
enum class framing_error { ok = 0, content_length_with_transfer_encoding, bad_transfer_encoding };

class http1_parser {
 public:
  // Takes a field list to reuse its memory (cleared): a new list per message was an allocation
  // on every call.
  http1_parser(bool request, std::vector<header_field>&& reuse);

  // Parses what it can of [p, p + n) and returns how many bytes it consumed. A head is consumed
  // whole once its blank line is there (before that: nothing, and error::need_more, or
  // error::header_limit once header_limit bytes hold no complete head). Without eager(), stops
  // after the head. Stops when the message is done: what follows belongs to the next message.
  size_t put(const char* p, size_t n, error_code& ec);
  // The connection closed: ends a body that runs to the close, else the message is partial.
  void put_eof(error_code& ec);

  void header_limit(uint32_t n) { header_limit_ = n; }
  void body_limit(std::optional<uint64_t> n) { body_limit_ = n; }
  void eager(bool v) { eager_ = v; }
  void skip(bool v) { skip_body_ = v; }  // a response with no body whatever it says (to HEAD)

  bool is_header_done() const { return state_ > state::head; }
  bool is_done() const { return state_ == state::complete; }
  bool need_eof() const { return state_ == state::body_to_eof; }
  bool chunked() const { return chunked_; }
  bool has_content_length() const { return content_length_.has_value(); }

  // The head. Requests: method, target; responses: status, reason.
  std::string_view method, target, reason;
  int status = 0;
  int version = 11;
  std::vector<header_field> fields;
  bool connection_close = false;
  bool connection_keep_alive = false;  // explicit (HTTP/1.0 clients)
  bool expect_continue = false;
  framing_error framing = framing_error::ok;

  uint64_t body_bytes = 0;  // de-chunked body bytes so far
  body_observer on_body;

 private:
  enum class state : uint8_t {
    head,
    body,         // content_length_ bytes, remaining_ left
    body_to_eof,  // a response without length: until the connection closes
    chunk_size,   // the next chunk-size line (after the CRLF that ends a chunk's data)
    chunk_data,   // remaining_ bytes of a chunk
    chunk_crlf,   // the CRLF after a chunk's data
    trailers,     // after the last chunk: trailer fields and the blank line
    complete,
  };

  void forget_head();
  // The byte after the head's blank line, or nullptr with ec set.
  const char* parse_head(const char* p, const char* end, error_code& ec);
  const char* parse_start_line(const char* p, const char* end, error_code& ec);
  void on_field(const header_field& f, error_code& ec);
  void finish_head(error_code& ec);
  size_t parse_chunk_size(const char* p, size_t n, error_code& ec);
  size_t parse_trailers(const char* p, size_t n, error_code& ec);
  void deliver(const char* p, size_t n) {
    body_bytes += n;
    if (on_body) on_body(std::string_view(p, n));
  }

  bool request_;
  bool eager_ = true;
  bool skip_body_ = false;
  bool chunked_ = false;
  bool transfer_encoding_ = false;
  state state_ = state::head;
  uint32_t header_limit_ = 8192;
  size_t scanned_ = 0;  // head bytes already searched for the blank line
  std::optional<uint64_t> body_limit_;
  std::optional<uint64_t> content_length_;
  uint64_t remaining_ = 0;
};

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded in either direction.
bool is_hop_by_hop(field_name f);

}  // namespace llmtap::proxy
