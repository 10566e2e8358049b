#pragma once
// The few MessagePack formats the Agent's /v0.4/traces body needs, written by hand (Debian 12's
// msgpack-cxx depends on Boost 1.74, which cannot be installed beside the Boost 1.81 the proxy
// uses). Format bytes from the MessagePack specification, "Formats" section
// (msgpack/msgpack spec.md): every value takes the smallest format that holds it, as the
// specification asks of serializers.
#include <cstdint>
#include <string>
#include <string_view>

namespace llmtap::sinks::msgpack {

// Appends to a caller-owned buffer; never clears it.
class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}
  void map_header(uint32_t entries);  // fixmap 0x80-0x8f, map 16 0xde, map 32 0xdf
  void array_header(uint32_t items);  // fixarray 0x90-0x9f, array 16 0xdc, array 32 0xdd
  void str(std::string_view s);       // fixstr 0xa0-0xbf, str 8 0xd9, str 16 0xda, str 32 0xdb
  void uint(uint64_t v);              // positive fixint, uint 8/16/32/64 0xcc-0xcf
  void sint(int64_t v);               // negative fixint 0xe0-0xff, int 8-64 0xd0-0xd3
  void f64(double v);                 // float 64 0xcb, big-endian IEEE 754
  void nil() { out_ += static_cast<char>(0xc0); }
  std::string& buffer() { return out_; }

 private:
  void be(uint64_t v, int bytes);  // big-endian, as every multi-byte msgpack field is
  std::string& out_;
};

}  // namespace llmtap::sinks::msgpack
