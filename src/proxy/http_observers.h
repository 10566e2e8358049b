#pragma once
// Parsers that observe HTTP/1.1 messages without owning them. The proxy relays the raw bytes it
// read (no re-serialization of bodies) and feeds the same bytes to these parsers to learn the
// framing (where a message ends), the headers it acts on, and the de-chunked body. They derive
// from Beast's basic_parser, so field and chunk syntax is Beast's; what Beast 345 lacks (request
// smuggling checks fixed in later Beast versions) is checked here.
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmtap::proxy {

namespace http = boost::beast::http;
using boost::beast::error_code;
using bsv = boost::beast::string_view;  // Beast 1.81: boost::core::string_view

// Called with each piece of de-chunked body, in order. Set before put(); may be empty.
using body_observer = std::function<void(std::string_view)>;

// Views point into the buffer given to put(); they stay valid while that buffer is unchanged.
struct header_field {
  std::string_view name, value;
  http::field known;
};

// Errors we raise from inside the parser callbacks.
enum class framing_error { ok = 0, content_length_with_transfer_encoding, bad_transfer_encoding };

class request_observer final : public http::basic_parser<true> {
 public:
  std::string_view method, target;
  int version = 11;
  std::vector<header_field> fields;
  bool expect_continue = false;
  bool connection_close = false;
  bool connection_keep_alive = false;  // explicit (HTTP/1.0 clients)
  framing_error framing = framing_error::ok;
  uint64_t body_bytes = 0;
  body_observer on_body;

  request_observer() { fields.reserve(32); }
  // Takes the field list of the connection's previous request, cleared, to reuse its memory.
  explicit request_observer(std::vector<header_field>&& reuse) : fields(std::move(reuse)) {
    fields.clear();
  }
  bool has_content_length() const { return has_content_length_; }

 private:
  bool has_content_length_ = false, has_transfer_encoding_ = false;
  void on_request_impl(http::verb, bsv method, bsv target, int version, error_code&) override;
  void on_response_impl(int, bsv, int, error_code&) override {}
  void on_field_impl(http::field name, bsv name_string, bsv value, error_code&) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(bsv body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, bsv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, bsv body, error_code&) override;
  void on_finish_impl(error_code&) override {}
};

class response_observer final : public http::basic_parser<false> {
 public:
  int status = 0;
  int version = 11;
  std::string_view reason;
  std::vector<header_field> fields;
  bool connection_close = false;
  uint64_t body_bytes = 0;
  body_observer on_body;

  response_observer() { fields.reserve(32); }
  explicit response_observer(std::vector<header_field>&& reuse) : fields(std::move(reuse)) {
    fields.clear();
  }

 private:
  void on_request_impl(http::verb, bsv, bsv, int, error_code&) override {}
  void on_response_impl(int code, bsv reason, int version, error_code&) override;
  void on_field_impl(http::field name, bsv name_string, bsv value, error_code&) override;
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(bsv body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, bsv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, bsv body, error_code&) override;
  void on_finish_impl(error_code&) override {}
};

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded in either direction.
bool is_hop_by_hop(http::field f, std::string_view name);

bool iequals(std::string_view a, std::string_view b);

// Appends "name: value\r\n" with one growth of `out` (four appends, two of them strlen'ing
// their literal, cost ~60 instructions a field, on every header of every call).
inline void append_header_line(std::string& out, std::string_view name, std::string_view value) {
  const size_t at = out.size();
  out.resize(at + name.size() + value.size() + 4);
  char* p = out.data() + at;
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = ':';
  *p++ = ' ';
  std::memcpy(p, value.data(), value.size());
  p += value.size();
  *p++ = '\r';
  *p = '\n';
}
bool istarts_with(std::string_view s, std::string_view prefix);

}  // namespace llmtap::proxy
