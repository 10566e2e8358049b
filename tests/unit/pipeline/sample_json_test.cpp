// The sample writer against the format it replaced: every document is also parsed with nlohmann,
// scrubbed the way the sampler used to (redact, then cut, every string value) and dumped; the
// two texts must be byte-identical.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "pipeline/sample_json.h"
#include "pipeline/sample_text.h"
#include "pipeline/sampling.h"

namespace llmtap::pipeline {
namespace {

using json = nlohmann::json;

struct case_options {
  bool redact = true;
  size_t max_chars = 4096;
};

// What the sampler produced before: parse_lenient, scrub, dump. Empty when not JSON.
std::string oracle(std::string_view doc, const case_options& o) {
  const std::string text =
      sample_text::utf8_valid(doc) ? std::string(doc) : sample_text::sanitize_utf8(doc);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "";
  redactor r(true, {});
  auto scrub = [&](auto& self, json& v) -> void {
    if (v.is_string()) {
      auto& s = v.get_ref<std::string&>();
      if (o.redact) r.apply(s);
      truncate_utf8(s, o.max_chars);
    } else if (v.is_structured()) {
      for (auto& child : v) self(self, child);
    }
  };
  scrub(scrub, j);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The same document through simdjson and the writer. Empty when not JSON.
std::string written(std::string_view doc, const case_options& o) {
  static simdjson::dom::parser parser;
  static redactor r(true, {});
  std::string mended;
  simdjson::dom::element root;
  if (!sample_json::parse(parser, doc, mended, /*skip_bom=*/true, root)) return "";
  sample_json::writer w;
  w.start(o.redact ? &r : nullptr, o.max_chars);
  w.value(root);
  return w.out();
}

void expect_same(std::string_view doc, const case_options& o = {}) {
  EXPECT_EQ(written(doc, o), oracle(doc, o)) << "document: " << doc;
}

TEST(sample_json, every_escape_class_and_control_character) {
  expect_same(R"(["quote \" backslash \\ slash \/ b \b f \f n \n r \r t \t"])");
  expect_same(R"(["\u0000 \u0001 \u0007 \u000b \u000e \u001f \u0020 \u007f"])");
  EXPECT_EQ(written(R"(["\u0001\u001f\u007f"])", {}), "[\"\\u0001\\u001f\x7f\"]");
}

TEST(sample_json, non_ascii_is_written_as_it_is) {
  expect_same(
      "[\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \\u00e9 \\u20AC \\ud83d\\ude00 \\u2028\"]");
  EXPECT_EQ(written(R"(["\u00e9"])", {}), "[\"\xC3\xA9\"]");
}

TEST(sample_json, numbers_print_as_nlohmann_prints_them) {
  expect_same("[0,-0,1,-1,42,-9223372036854775808,9223372036854775807,9223372036854775808]");
  expect_same("[18446744073709551615,18446744073709551616,-9223372036854775809]");
  expect_same("[100000000000000000000000,12345678901234567890123456789,-12345678901234567890]");
  expect_same("[1.0,-1.0,0.0,-0.0,0.5,1e2,1E+2,2.5E10,1e-7,-2.5e-3,1e15,1e16,1e-4,1e-5]");
  expect_same("[0.1,0.30000000000000004,3.14159,123.456,1e23,5e-324,1.7976931348623157e308]");
  expect_same("[1e-400,-1e-400,1741569952,4.616549065479999e18,2.94e22]");
  EXPECT_EQ(written("[1.0,1e2,-0.0,1e23]", {}), "[1.0,100.0,-0.0,9.999999999999999e+22]");
  EXPECT_EQ(written("[18446744073709551615,18446744073709551616]", {}),
            "[18446744073709551615,1.8446744073709552e+19]");
}

TEST(sample_json, nesting_empty_containers_and_literals) {
  expect_same(R"({"a":[[],{},[{}],{"b":[1,[2,[3,{"c":null}]]]}],"t":true,"f":false,"n":null})");
  expect_same(R"([[[[[[[[[[[["deep"]]]]]]]]]]])");
  expect_same(" \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } } \n");
  EXPECT_EQ(written(R"({"z":[],"a":{}})", {}), R"({"a":{},"z":[]})");
}

TEST(sample_json, keys_are_sorted_by_byte_and_the_last_duplicate_wins) {
  expect_same(R"({"b":1,"a":2,"B":3,"_":4,"aa":5,"":6,"\u00e9":7,"z":8,"a ":9})");
  expect_same(R"({"a":1,"b":2,"a":3,"a":{"x":1,"x":[2]}})");
  EXPECT_EQ(written(R"({"a":1,"b":2,"a":3})", {}), R"({"a":3,"b":2})");
  expect_same(R"({"a\u0000":1,"a":2,"\"q":3,"k\n":4,"\\":5,"\u001f":6})");
  EXPECT_EQ(written(R"({"k\n":1,"\"":2})", {}), R"({"\"":2,"k\n":1})");
}

TEST(sample_json, strings_are_redacted_and_cut_wherever_they_are) {
  case_options cut;
  cut.max_chars = 5;
  expect_same(R"({"a":[{"b":"mail ann@example.com now"}],"k":"sk-proj-abcdefghijklmnopqrstuv"})");
  expect_same("[\"ab\xC3\xA9\xC3\xA9\",\"abcd\xE2\x82\xAC\",\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"]",
              cut);
  EXPECT_EQ(written("[\"ab\xC3\xA9\xC3\xA9\"]", {true, 3}), "[\"ab...\"]");
  // Cut after redaction, and keys are neither: as before.
  expect_same(R"({"ann@example.com":{"x":"Bearer abcdefghijklmnop and more"}})", cut);
  expect_same(R"(["a\"b\"c\"d\"e", "\n\n\n\n\n\n"])", cut);
  case_options plain;
  plain.redact = false;
  expect_same(R"({"a":["ann@example.com", "4111 1111 1111 1111"]})", plain);
}

TEST(sample_json, invalid_utf8_is_mended_first) {
  expect_same("{\"a\":\"bad \xFF byte \xC3\",\"b\":[\"\xED\xA0\x80\",\"\xC0\xAF\"]}");
  EXPECT_EQ(written("[\"x\xFFy\"]", {}), "[\"x\xEF\xBF\xBDy\"]");
}

TEST(sample_json, what_is_not_one_json_text_is_refused) {
  for (std::string_view doc : {"", " ", "[1", "{\"a\":1", "[1] x", "nope", "[1,]", "{\"a\" 1}",
                               "[\"\\ud800\"]", "[\"\\x\"]", "[01]", "[1e400]", "[\"a\x01\"]"}) {
    EXPECT_EQ(written(doc, {}), "") << doc;
    EXPECT_EQ(oracle(doc, {}), "") << doc;
  }
  expect_same("\xEF\xBB\xBF{\"bom\":1}");  // nlohmann skipped a leading byte order mark
}

// Random documents: strings with every kind of piece, numbers of every form, nesting, duplicate
// keys and whitespace, through both with three sets of options.
std::string random_doc(std::mt19937_64& rng, int depth) {
  static const char* kPieces[] = {"hi",
                                  " ",
                                  "\\\"",
                                  "\\\\",
                                  "\\/",
                                  "\\b",
                                  "\\f",
                                  "\\n",
                                  "\\r",
                                  "\\t",
                                  "\\u0000",
                                  "\\u001f",
                                  "\\u00e9",
                                  "\\ud83d\\ude00",
                                  "\xC3\xA9",
                                  "\xE2\x82\xAC",
                                  "\x7f",
                                  "ann@example.com",
                                  "sk-abcdefghijklmnop1234",
                                  "Bearer abcdefgh12345678",
                                  "4111 1111 1111 1111",
                                  "\xF0\x9F\x98\x80",
                                  "x",
                                  "0123456789"};
  static const char* kNumbers[] = {"0",
                                   "-0",
                                   "7",
                                   "-12",
                                   "1.0",
                                   "1e2",
                                   "-2.5e-3",
                                   "1e23",
                                   "0.1",
                                   "5e-324",
                                   "18446744073709551615",
                                   "18446744073709551616",
                                   "-9223372036854775809",
                                   "3.14159"};
  static const char* kKeys[] = {"a", "b", "B", "", "aa", "\\u00e9", "\\n", "z", "content"};
  auto pick = [&](auto& list) { return list[rng() % std::size(list)]; };
  auto str = [&] {
    std::string s = "\"";
    for (int n = static_cast<int>(rng() % 6); n > 0; --n) s += pick(kPieces);
    return s + "\"";
  };
  switch (rng() % (depth > 3 ? 4 : 7)) {
    case 0:
      return str();
    case 1:
      return pick(kNumbers);
    case 2:
      return rng() % 2 ? "true" : "null";
    case 3:
      return str();
    case 4:
    case 5: {
      std::string s = "{";
      for (int n = static_cast<int>(rng() % 5), i = 0; i < n; ++i)
        s += (i ? ", " : "") + std::string("\"") + pick(kKeys) + "\":" + random_doc(rng, depth + 1);
      return s + "}";
    }
    default: {
      std::string s = "[";
      for (int n = static_cast<int>(rng() % 5), i = 0; i < n; ++i)
        s += (i ? "," : "") + random_doc(rng, depth + 1);
      return s + "]";
    }
  }
}

TEST(sample_json, random_documents_match_nlohmanns_dump) {
  std::mt19937_64 rng(2024);
  const case_options options[] = {{true, 4096}, {true, 7}, {false, 2}};
  for (int i = 0; i < 600; ++i) {
    std::string doc = random_doc(rng, 0);
    if (i % 10 == 0) doc.insert(rng() % (doc.size() + 1), "\xFF");  // sometimes broken UTF-8
    EXPECT_EQ(written(doc, options[i % 3]), oracle(doc, options[i % 3])) << "document: " << doc;
  }
}

}  // namespace
}  // namespace llmtap::pipeline
