#include "openai/key_identity.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::openai {
namespace {

TEST(ApiKeyFromHeaders, BearerAndAzure) {
  EXPECT_EQ(api_key_from_headers("Bearer sk-abc", ""), "sk-abc");
  EXPECT_EQ(api_key_from_headers("bearer   sk-abc  ", ""), "sk-abc");
  EXPECT_EQ(api_key_from_headers("BEARER sk-abc", "ignored"), "sk-abc");
  EXPECT_EQ(api_key_from_headers("", "azure-key-123"), "azure-key-123");
  EXPECT_EQ(api_key_from_headers("Basic dXNlcjpwYXNz", "azure"), "azure");
  EXPECT_EQ(api_key_from_headers("Bearer", ""), "");
  EXPECT_EQ(api_key_from_headers("Bearer ", ""), "");
  EXPECT_EQ(api_key_from_headers("Bearersk-abc", ""), "");
  EXPECT_EQ(api_key_from_headers("", ""), "");
}

TEST(IdentifyKey, Labels) {
  EXPECT_EQ(identify_key("sk-abcdefghijklmnop-qrstuvwxyz0123456789WXYZ", "s").label, "sk-...WXYZ");
  EXPECT_EQ(identify_key("sk-proj-Abcdefghijklmnopqrstuvwxyz_1234", "s").label, "sk-...1234");
  EXPECT_EQ(identify_key("0123456789abcdef0123456789abcdef", "s").label, "...cdef");  // Azure
  EXPECT_EQ(identify_key("abcdefghijkl", "s").label, "...ijkl");                      // exactly 12
  EXPECT_EQ(identify_key("sk-short123", "s").label, "...");  // 11: nothing shown
  EXPECT_EQ(identify_key("x", "s").label, "...");
  const key_identity none = identify_key("", "s");
  EXPECT_TRUE(none.label.empty());
  EXPECT_TRUE(none.hash.empty());
}

TEST(IdentifyKey, HashIsStableKeyedAndHidesTheKey) {
  const std::string key = "sk-proj-SECRETMIDDLEPART0123456789abcd";
  const key_identity a = identify_key(key, "install-secret");
  const key_identity b = identify_key(key, "install-secret");
  EXPECT_EQ(a.hash, b.hash);
  EXPECT_EQ(a.hash.size(), 16u);
  EXPECT_EQ(a.hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(identify_key(key, "other-secret").hash, a.hash);
  EXPECT_NE(identify_key(key + "x", "install-secret").hash, a.hash);
  EXPECT_EQ(a.label.find("SECRET"), std::string::npos);
  EXPECT_EQ(a.hash.find("SECRET"), std::string::npos);
  EXPECT_EQ(identify_key(key, "").hash.size(), 16u);  // an empty secret still hashes
}

TEST(IdentifyKey, KnownHmacValue) {
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?") begins
  // 5bdcc146bf60754e.
  EXPECT_EQ(identify_key("what do ya want for nothing?", "Jefe").hash, "5bdcc146bf60754e");
}

}  // namespace
}  // namespace llmtap::openai
