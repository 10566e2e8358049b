#include "proxy/http_observers.h"

#include <boost/beast/core/string.hpp>

namespace llmtap::proxy {

bool iequals(std::string_view a, std::string_view b) {
  return boost::beast::iequals(a, b);
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

namespace {
// "close" or "keep-alive" among comma-separated Connection tokens.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (iequals(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}
}  // namespace

bool is_hop_by_hop(http::field f, std::string_view name) {
  switch (f) {
    case http::field::connection:
    case http::field::keep_alive:
    case http::field::proxy_connection:
    case http::field::proxy_authorization:
    case http::field::proxy_authenticate:
    case http::field::te:
    case http::field::trailer:
    case http::field::upgrade:
      return true;
    case http::field::unknown:
      return false;
    default:
      (void)name;
      return false;
  }
}

void request_observer::on_request_impl(http::verb, bsv m, bsv t, int v, error_code&) {
  method = m;
  target = t;
  version = v;
}

void request_observer::on_field_impl(http::field name, bsv name_string, bsv value, error_code&) {
  fields.push_back({name_string, value, name});
  switch (name) {
    case http::field::content_length:
      has_content_length_ = true;
      break;
    case http::field::transfer_encoding:
      has_transfer_encoding_ = true;
      break;
    case http::field::expect:
      expect_continue = iequals(value, "100-continue");
      break;
    case http::field::connection:
      if (has_token(value, "close")) connection_close = true;
      if (has_token(value, "keep-alive")) connection_keep_alive = true;
      break;
    default:
      break;
  }
}

// Request smuggling defences (RFC 9112 §6.1, §6.3): a request with both framings, a
// Transfer-Encoding that does not end in chunked, or chunked on HTTP/1.0 is rejected.
void request_observer::on_header_impl(error_code& ec) {
  if (has_content_length_ && has_transfer_encoding_) {
    framing = framing_error::content_length_with_transfer_encoding;
  } else if (has_transfer_encoding_ && (!chunked() || version < 11)) {
    framing = framing_error::bad_transfer_encoding;
  }
  if (framing != framing_error::ok) ec = http::error::bad_transfer_encoding;
}

std::size_t request_observer::on_body_impl(bsv body, error_code&) {
  body_bytes += body.size();
  if (on_body) on_body(body);
  return body.size();
}

std::size_t request_observer::on_chunk_body_impl(std::uint64_t, bsv body, error_code&) {
  body_bytes += body.size();
  if (on_body) on_body(body);
  return body.size();
}

void response_observer::on_response_impl(int code, bsv r, int v, error_code&) {
  status = code;
  reason = r;
  version = v;
}

void response_observer::on_field_impl(http::field name, bsv name_string, bsv value, error_code&) {
  fields.push_back({name_string, value, name});
  if (name == http::field::connection && has_token(value, "close")) connection_close = true;
}

std::size_t response_observer::on_body_impl(bsv body, error_code&) {
  body_bytes += body.size();
  if (on_body) on_body(body);
  return body.size();
}

std::size_t response_observer::on_chunk_body_impl(std::uint64_t, bsv body, error_code&) {
  body_bytes += body.size();
  if (on_body) on_body(body);
  return body.size();
}

}  // namespace llmtap::proxy
