#include "openai/json_peek.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmtap::openai {
namespace {

// Every occurrence of the key where a key can stand, with the position of its value.
std::vector<std::string> values(const json_key& k, std::string_view text) {
  std::vector<std::string> out;
  for (size_t v = k.value_in(text); v != std::string_view::npos; v = k.value_in(text, v))
    out.emplace_back(text.substr(v, 4));
  return out;
}

TEST(JsonKey, FindsTheValueAfterTheColonAndAnyBlanks) {
  const json_key k("\"usage\"");
  EXPECT_EQ(values(k, R"({"usage":null})"), std::vector<std::string>{"null"});
  EXPECT_EQ(values(k, "{\"a\":1, \"usage\" :\n\t{\"x\":1}}"), std::vector<std::string>{"{\"x\""});
  EXPECT_EQ(values(k, R"([{"usage":1},{"usage":2}])"), (std::vector<std::string>{"1},{", "2}]"}));
}

TEST(JsonKey, PassesOverTheNameWhereNoKeyCanStand) {
  const json_key k("\"usage\"");
  EXPECT_TRUE(values(k, R"({"content":"the \"usage\": {} word"})").empty());
  EXPECT_TRUE(values(k, R"({"list":["usage",1]})").empty());  // a string in an array
  EXPECT_TRUE(values(k, R"({"usages":1,"usage_x":2})").empty());
  EXPECT_TRUE(values(k, R"({"usage")").empty());   // no colon, no value
  EXPECT_TRUE(values(k, R"({"usage":)").empty());  // a colon and nothing after it
  EXPECT_TRUE(values(k, "").empty());
  // after one inside a string, the real key is still found
  EXPECT_EQ(values(k, R"({"a":"x\",\"usage\":1","usage":null})"), std::vector<std::string>{"null"});
}

}  // namespace
}  // namespace llmtap::openai
