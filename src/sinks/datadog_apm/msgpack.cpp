#include "sinks/datadog_apm/msgpack.h"

#include <cstring>

namespace llmtap::sinks::msgpack {

void writer::be(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out_ += static_cast<char>((v >> (8 * i)) & 0xff);
}

void writer::map_header(uint32_t n) {
  if (n <= 15) {
    out_ += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    out_ += static_cast<char>(0xde);
    be(n, 2);
  } else {
    out_ += static_cast<char>(0xdf);
    be(n, 4);
  }
}

void writer::array_header(uint32_t n) {
  if (n <= 15) {
    out_ += static_cast<char>(0x90 | n);
  } else if (n <= 0xffff) {
    out_ += static_cast<char>(0xdc);
    be(n, 2);
  } else {
    out_ += static_cast<char>(0xdd);
    be(n, 4);
  }
}

void writer::str(std::string_view s) {
  size_t n = s.size();
  if (n <= 31) {
    out_ += static_cast<char>(0xa0 | n);
  } else if (n <= 0xff) {
    out_ += static_cast<char>(0xd9);
    be(n, 1);
  } else if (n <= 0xffff) {
    out_ += static_cast<char>(0xda);
    be(n, 2);
  } else {
    out_ += static_cast<char>(0xdb);
    be(n, 4);
  }
  out_.append(s);
}

void writer::uint(uint64_t v) {
  if (v <= 0x7f) {
    out_ += static_cast<char>(v);
  } else if (v <= 0xff) {
    out_ += static_cast<char>(0xcc);
    be(v, 1);
  } else if (v <= 0xffff) {
    out_ += static_cast<char>(0xcd);
    be(v, 2);
  } else if (v <= 0xffffffffu) {
    out_ += static_cast<char>(0xce);
    be(v, 4);
  } else {
    out_ += static_cast<char>(0xcf);
    be(v, 8);
  }
}

void writer::sint(int64_t v) {
  if (v >= 0) return uint(static_cast<uint64_t>(v));
  auto u = static_cast<uint64_t>(v);  // two's complement bytes
  if (v >= -32) {
    out_ += static_cast<char>(u & 0xff);  // negative fixint 111xxxxx
  } else if (v >= INT8_MIN) {
    out_ += static_cast<char>(0xd0);
    be(u, 1);
  } else if (v >= INT16_MIN) {
    out_ += static_cast<char>(0xd1);
    be(u, 2);
  } else if (v >= INT32_MIN) {
    out_ += static_cast<char>(0xd2);
    be(u, 4);
  } else {
    out_ += static_cast<char>(0xd3);
    be(u, 8);
  }
}

void writer::f64(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  out_ += static_cast<char>(0xcb);
  be(bits, 8);
}

}  // namespace llmtap::sinks::msgpack
