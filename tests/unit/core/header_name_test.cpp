// Header-name comparison (core/header_name.h).
#include "core/header_name.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap {
namespace {

// name_is folds case by setting bit 0x20: exact for names made of RFC 9110 token bytes. Every
// token byte at every position of an 11-byte name (both the 8-byte and the byte-wise part) is
// compared with every lower-case name byte; it matches only itself or its upper case.
TEST(NameIs, ExactForEveryTokenByte) {
  const std::string tchars =
      "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string lower_bytes = "abcdefghijklmnopqrstuvwxyz0123456789-";
  for (size_t pos = 0; pos < 11; ++pos) {
    for (char want : lower_bytes) {
      std::string lower(11, 'a');
      lower[pos] = want;
      for (char c : tchars) {
        std::string name(11, 'A');
        name[pos] = c;
        const bool same = c == want || (want >= 'a' && want <= 'z' && c == want - 'a' + 'A');
        EXPECT_EQ(name_is(name, lower), same) << pos << " " << c << " " << want;
      }
    }
  }
  EXPECT_TRUE(name_is("X-Request-ID", "x-request-id"));
  EXPECT_FALSE(name_is("x-request-i", "x-request-id"));
  EXPECT_TRUE(name_starts_with("X-RateLimit-Reset", "x-ratelimit-"));
  EXPECT_FALSE(name_starts_with("X-Rate", "x-ratelimit-"));
}

}  // namespace
}  // namespace llmtap
