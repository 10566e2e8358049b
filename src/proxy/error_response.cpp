#include "proxy/error_response.h"

#include <fmt/format.h>

namespace llmtap::proxy {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);
    }
  }
  return out;
}

std::string make_error_response(const proxy_error_info& e, std::string_view message, bool close) {
  std::string body =
      fmt::format(R"({{"error":{{"message":"{}","type":"{}","param":null,"code":"{}"}}}})",
                  json_escape(message), e.type, e.code);
  const char* reason = "Error";
  switch (e.status) {
    case 400:
      reason = "Bad Request";
      break;
    case 404:
      reason = "Not Found";
      break;
    case 408:
      reason = "Request Timeout";
      break;
    case 413:
      reason = "Content Too Large";
      break;
    case 431:
      reason = "Request Header Fields Too Large";
      break;
    case 502:
      reason = "Bad Gateway";
      break;
    case 504:
      reason = "Gateway Timeout";
      break;
  }
  return fmt::format(
      "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n"
      "x-llmtap-error: {}\r\n{}\r\n{}",
      e.status, reason, body.size(), e.code, close ? "connection: close\r\n" : "", body);
}

}  // namespace llmtap::proxy
