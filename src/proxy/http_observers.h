#pragma once
// Parsers that observe HTTP/1.1 messages without owning them. The proxy relays the raw bytes it
// read (no re-serialization of bodies) and feeds the same bytes to these parsers to learn the
// framing (where a message ends), the headers it acts on, and the de-chunked body
// (proxy/http1_parser.h).
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proxy/http1_parser.h"

namespace llmtap::proxy {

class request_observer final : public http1_parser {
 public:
  // Takes the field list of the connection's previous request, cleared, to reuse its memory.
  explicit request_observer(std::vector<header_field>&& reuse)
      : http1_parser(true, std::move(reuse)) {}
};

class response_observer final : public http1_parser {
 public:
  explicit response_observer(std::vector<header_field>&& reuse)
      : http1_parser(false, std::move(reuse)) {}
};

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

}  // namespace llmtap::proxy
