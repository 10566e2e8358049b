// Exact bytes of each format at its boundaries, from the MessagePack specification's "Formats"
// section; and a round trip through nlohmann::json's msgpack decoder (not written here).
#include "sinks/datadog_apm/msgpack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <string>

namespace llmtap::sinks::msgpack {
namespace {

std::string hex(const std::string& s, size_t max = 12) {
  static const char* d = "0123456789abcdef";
  std::string h;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    h += d[c >> 4];
    h += d[c & 15];
  }
  return h;
}

template <class F>
std::string bytes(F f) {
  std::string out;
  writer w(out);
  f(w);
  return out;
}

TEST(Msgpack, UnsignedIntegersTakeTheSmallestFormat) {
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(0); })), "00");
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(127); })), "7f");    // positive fixint
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(128); })), "cc80");  // uint 8
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(255); })), "ccff");
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(256); })), "cd0100");  // uint 16
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(65535); })), "cdffff");
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(65536); })), "ce00010000");  // uint 32
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(4294967295u); })), "ceffffffff");
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(4294967296u); })), "cf0000000100000000");  // uint 64
  EXPECT_EQ(hex(bytes([](writer& w) { w.uint(UINT64_MAX); })), "cfffffffffffffffff");
}

TEST(Msgpack, SignedIntegers) {
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(5); })), "05");   // non-negative: the uint formats
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-1); })), "ff");  // negative fixint
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-32); })), "e0");
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-33); })), "d0df");  // int 8
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-128); })), "d080");
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-129); })), "d1ff7f");                   // int 16
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(-32769); })), "d2ffff7fff");             // int 32
  EXPECT_EQ(hex(bytes([](writer& w) { w.sint(INT64_MIN); })), "d38000000000000000");  // int 64
}

TEST(Msgpack, StringsMapsArraysAtTheirBoundaries) {
  EXPECT_EQ(hex(bytes([](writer& w) { w.str(""); })), "a0");
  EXPECT_EQ(hex(bytes([](writer& w) { w.str("abc"); })), "a3616263");
  EXPECT_EQ(hex(bytes([](writer& w) { w.str(std::string(31, 'x')); }), 1), "bf");         // fixstr
  EXPECT_EQ(hex(bytes([](writer& w) { w.str(std::string(32, 'x')); }), 3), "d92078");     // str 8
  EXPECT_EQ(hex(bytes([](writer& w) { w.str(std::string(256, 'x')); }), 4), "da010078");  // str 16
  EXPECT_EQ(hex(bytes([](writer& w) { w.str(std::string(65536, 'x')); }), 6),
            "db0001000078");  // str 32
  EXPECT_EQ(bytes([](writer& w) { w.str(std::string(65536, 'x')); }).size(), 65536u + 5u);
  EXPECT_EQ(hex(bytes([](writer& w) { w.map_header(15); })), "8f");
  EXPECT_EQ(hex(bytes([](writer& w) { w.map_header(16); })), "de0010");
  EXPECT_EQ(hex(bytes([](writer& w) { w.map_header(65536); })), "df00010000");
  EXPECT_EQ(hex(bytes([](writer& w) { w.array_header(0); })), "90");
  EXPECT_EQ(hex(bytes([](writer& w) { w.array_header(16); })), "dc0010");
  EXPECT_EQ(hex(bytes([](writer& w) { w.array_header(70000); })), "dd00011170");
  EXPECT_EQ(hex(bytes([](writer& w) { w.nil(); })), "c0");
}

TEST(Msgpack, Float64IsBigEndianIeee754) {
  EXPECT_EQ(hex(bytes([](writer& w) { w.f64(1.0); })), "cb3ff0000000000000");
  EXPECT_EQ(hex(bytes([](writer& w) { w.f64(-2.5); })), "cbc004000000000000");
}

TEST(Msgpack, AnIndependentDecoderReadsWhatWeWrite) {
  std::string out;
  writer w(out);
  w.map_header(6);
  w.str("big");
  w.uint(0x7fffffffffffffffull);
  w.str("neg");
  w.sint(-40000);
  w.str("pi");
  w.f64(3.25);
  w.str("text");
  w.str(std::string(300, 'z'));
  w.str("list");
  w.array_header(17);
  for (int i = 0; i < 17; ++i) w.uint(static_cast<uint64_t>(i) * 1000);
  w.str("utf8");
  w.str("é ✓");
  auto j = nlohmann::json::from_msgpack(out);
  EXPECT_EQ(j["big"].get<uint64_t>(), 0x7fffffffffffffffull);
  EXPECT_EQ(j["neg"].get<int64_t>(), -40000);
  EXPECT_DOUBLE_EQ(j["pi"].get<double>(), 3.25);
  EXPECT_EQ(j["text"].get<std::string>(), std::string(300, 'z'));
  ASSERT_EQ(j["list"].size(), 17u);
  EXPECT_EQ(j["list"][16].get<int>(), 16000);
  EXPECT_EQ(j["utf8"].get<std::string>(), "é ✓");
}

}  // namespace
}  // namespace llmtap::sinks::msgpack
