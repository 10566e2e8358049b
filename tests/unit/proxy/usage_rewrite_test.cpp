#include "proxy/usage_rewrite.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::proxy {
namespace {

std::string rewrite(std::string_view body) {
  std::string out = "untouched";
  return add_include_usage(body, out) ? out : "(no change)";
}

TEST(AddIncludeUsage, AddsStreamOptionsWhenMissing) {
  EXPECT_EQ(
      rewrite(R"({"model":"gpt-4o","stream":true,"messages":[]})"),
      R"({"model":"gpt-4o","stream":true,"messages":[],"stream_options":{"include_usage":true}})");
  EXPECT_EQ(rewrite("{\n  \"stream\": true\n}\n"),
            "{\n  \"stream\": true\n,\"stream_options\":{\"include_usage\":true}}\n");
}

TEST(AddIncludeUsage, CompletesExistingStreamOptions) {
  EXPECT_EQ(rewrite(R"({"stream":true,"stream_options":{}})"),
            R"({"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(
      rewrite(R"({"stream":true,"stream_options":{"include_obfuscation":false}})"),
      R"({"stream":true,"stream_options":{"include_usage":true,"include_obfuscation":false}})");
  EXPECT_EQ(rewrite(R"({"stream_options":{"include_usage":false},"stream":true})"),
            R"({"stream_options":{"include_usage":true},"stream":true})");
  EXPECT_EQ(rewrite(R"({"stream":true,"stream_options":null})"),
            R"({"stream":true,"stream_options":{"include_usage":true}})");
}

TEST(AddIncludeUsage, LeavesOtherBodiesAlone) {
  EXPECT_EQ(rewrite(R"({"stream":true,"stream_options":{"include_usage":true}})"), "(no change)");
  EXPECT_EQ(rewrite(R"({"stream":false})"), "(no change)");
  EXPECT_EQ(rewrite(R"({"model":"gpt-4o"})"), "(no change)");
  // "stream" inside a message or a string is not the top-level flag.
  EXPECT_EQ(
      rewrite(
          R"({"messages":[{"role":"user","content":"\"stream\":true"}],"metadata":{"stream":true}})"),
      "(no change)");
  EXPECT_EQ(rewrite(R"({"stream":true,"messages":[)"), "(no change)");  // truncated: unchanged
  EXPECT_EQ(rewrite("not json"), "(no change)");
  EXPECT_EQ(rewrite(""), "(no change)");
}

// The worker's path for a body parse_request has read (an object without stream_options): the
// member goes where add_include_usage's scan would put it.
TEST(AddStreamOptions, WritesWhatTheScanWouldForBodiesWithoutStreamOptions) {
  for (std::string_view body :
       {std::string_view(R"({"model":"gpt-4o","stream":true,"messages":[]})"),
        std::string_view("{\n  \"stream\": true\n}\n"), std::string_view("{\"stream\":true}  \r\n"),
        std::string_view(R"({"messages":[{"content":"}"}],"stream":true})")}) {
    std::string fast, scanned;
    ASSERT_TRUE(add_stream_options(body, fast)) << body;
    ASSERT_TRUE(add_include_usage(body, scanned)) << body;
    EXPECT_EQ(fast, scanned) << body;
  }
  std::string out = "untouched";
  EXPECT_TRUE(add_stream_options("{}", out));
  EXPECT_EQ(out, R"({"stream_options":{"include_usage":true}})");
  out = "untouched";
  EXPECT_FALSE(add_stream_options(R"({"stream":true} x)", out));
  EXPECT_FALSE(add_stream_options("   ", out));
  EXPECT_EQ(out, "untouched");
}

// Strings are skipped by looking for their closing quote: escaped quotes and backslashes inside
// them must neither end them early nor hide the quote that does end them.
TEST(AddIncludeUsage, EscapesInsideStringsBeforeTheFlag) {
  EXPECT_EQ(
      rewrite(R"({"messages":[{"content":"say \"hi\" \\"}],"stream":true})"),
      R"({"messages":[{"content":"say \"hi\" \\"}],"stream":true,"stream_options":{"include_usage":true}})");
  EXPECT_EQ(rewrite(R"({"content":"\\\\","stream":true})"),
            R"({"content":"\\\\","stream":true,"stream_options":{"include_usage":true}})");
  // an escaped quote followed by text that looks like the flag stays inside the string
  EXPECT_EQ(rewrite(R"({"content":"\",\"stream\":true,\"","stream":false})"), "(no change)");
  // a string that never ends (its last quote is escaped)
  EXPECT_EQ(rewrite(R"({"stream":true,"content":"never ends \"})"), "(no change)");
  // the key spelled with an escape is not matched (keys are compared raw), as before
  EXPECT_EQ(rewrite(R"({"\u0073tream":true})"), "(no change)");
}

// The filter as the relay runs it: the stream's framer first, which tells it where events end.
struct framed_filter {
  openai::sse_framer framer;
  usage_event_filter filter;
  void feed(std::string_view chunk, std::string& out) {
    framer.feed(chunk, [this](const openai::sse_event& ev) { filter.observe(ev); });
    filter.feed(chunk, framer.event_begin(), out);
  }
  void finish(std::string& out) { filter.finish(out); }
  bool dropped() const { return filter.dropped(); }
};

const std::string kStream =
    "data: "
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":"
    "null}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
    "data: "
    "{\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":2,\"total_tokens\":11}}"
    "\n\n"
    "data: [DONE]\n\n";
const std::string kExpected =
    "data: "
    "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}],\"usage\":"
    "null}\n\n"
    "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
    "data: [DONE]\n\n";

// Feeds `stream` to a filter in three chunks, split at every `a` and at every `step`-th `b`
// after it, and checks the output each time.
void expect_every_split(const std::string& stream, const std::string& expected, size_t step) {
  for (size_t a = 0; a <= stream.size(); ++a) {
    for (size_t b = a; b <= stream.size(); b += step) {
      framed_filter f;
      std::string out;
      f.feed(std::string_view(stream).substr(0, a), out);
      f.feed(std::string_view(stream).substr(a, b - a), out);
      f.feed(std::string_view(stream).substr(b), out);
      f.finish(out);
      ASSERT_EQ(out, expected) << "split at " << a << "," << b;
      ASSERT_TRUE(f.dropped());
    }
  }
}

TEST(UsageEventFilter, DropsTheUsageEventWhereverTheStreamIsSplit) {
  ASSERT_NO_FATAL_FAILURE(expect_every_split(kStream, kExpected, 7));
}

std::string crlf(std::string s) {
  for (size_t i = 0; (i = s.find('\n', i)) != std::string::npos; i += 2) s.replace(i, 1, "\r\n");
  return s;
}

// CRLF line ends, split anywhere: also between the CR and the LF of the blank line that ends
// the usage event (the LF then starts the next chunk and goes with the usage event).
TEST(UsageEventFilter, CrlfStreamsSplitAnywhere) {
  ASSERT_NO_FATAL_FAILURE(expect_every_split(crlf(kStream), crlf(kExpected), 5));
}

TEST(UsageEventFilter, CommentsAndEmptyBlocksPass) {
  const std::string usage = "data: {\"choices\":[],\"usage\":{\"total_tokens\":1}}\n\n";
  const std::string before = ": keep-alive\n\n\nretry: 10\n\ndata: {\"choices\":[{}]}\n\n";
  const std::string after = ": bye\n\ndata: [DONE]\n\n";
  for (size_t a = 0; a <= before.size() + usage.size() + after.size(); ++a) {
    const std::string all = before + usage + after;
    framed_filter f;
    std::string out;
    f.feed(std::string_view(all).substr(0, a), out);
    f.feed(std::string_view(all).substr(a), out);
    f.finish(out);
    ASSERT_EQ(out, before + after) << "split at " << a;
  }
}

TEST(UsageEventFilter, CrlfEventsAndPartialEventsHeldUntilComplete) {
  framed_filter f;
  std::string out;
  f.feed("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\ndata: {\"cho", out);
  EXPECT_EQ(out, "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\n");
  f.feed("ices\": [], \"usage\": {\"total_tokens\": 3}}\r\n\r\ndata: [DONE]\r\n\r\n", out);
  EXPECT_EQ(out,
            "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\r\n\r\ndata: [DONE]\r\n\r\n");
}

TEST(UsageEventFilter, OnlyOneEventIsDropped) {
  framed_filter f;
  std::string out;
  std::string usage = "data: {\"choices\":[],\"usage\":{\"total_tokens\":1}}\n\n";
  f.feed(usage + usage, out);
  f.finish(out);
  EXPECT_EQ(out, usage);
}

// The usage event is told by its keys: "choices" an empty array and "usage" an object, with any
// blanks JSON allows; the same words inside a string, or a usage object on a chunk that still has
// choices (some servers send usage with the last content), pass.
TEST(UsageEventFilter, TellsTheUsageEventByItsKeysNotByTextThatLooksLikeThem) {
  auto passed = [](std::string_view payload) {
    framed_filter f;
    std::string out;
    const std::string ev = "data: " + std::string(payload) + "\n\n";
    f.feed(ev, out);
    f.finish(out);
    return out == ev;
  };
  EXPECT_FALSE(passed(R"({"id":"a", "choices" : [ ] , "usage" :	{"total_tokens":1}})"));
  // (a newline in the JSON: the payload on two data lines, which the framer joins with one)
  EXPECT_FALSE(passed("{\"choices\":[\ndata: ],\"usage\":{\"total_tokens\":1}}"));
  EXPECT_TRUE(passed(R"({"choices":[{"delta":{"content":"say \"choices\":[],\"usage\":{}"}}]})"));
  EXPECT_TRUE(passed(R"({"x":"\"choices\":[]","choices":[{"delta":{}}],"usage":{"a":1}})"));
  EXPECT_TRUE(passed(R"({"choices":[],"usage":null})"));
  EXPECT_TRUE(passed(R"({"choices":[{"index":0}],"usage":{"total_tokens":5}})"));
  EXPECT_TRUE(passed(R"({"choices":[]})"));
  EXPECT_TRUE(passed(R"({"usage":{"total_tokens":5},"choices_x":[]})"));
}

}  // namespace
}  // namespace llmtap::proxy

namespace llmtap::proxy {
namespace {

// The "stream" key is looked for 16 bytes at a time: it must be found wherever it sits, across
// every alignment and at the very end, and nothing else may pass for it.
TEST(AddIncludeUsage, FindsTheStreamKeyAtEveryOffset) {
  std::string out;
  for (size_t pad = 0; pad < 40; ++pad) {
    const std::string filler(pad, ' ');
    const std::string body = "{" + filler + R"("stream":true})";
    EXPECT_TRUE(add_include_usage(body, out)) << pad;
    EXPECT_EQ(out, "{" + filler + R"("stream":true,"stream_options":{"include_usage":true}})")
        << pad;
    const std::string late = R"({"model":")" + std::string(pad, 'm') + R"(","stream":true})";
    EXPECT_TRUE(add_include_usage(late, out)) << pad;
  }
  for (const char* not_it :
       {R"({"streams":true})", R"({"Stream":true})", R"({"stream_options":{}})",
        R"({"model":"stream"})", R"({"x":"stream\"","y":1})"})
    EXPECT_FALSE(add_include_usage(not_it, out)) << not_it;
}

}  // namespace
}  // namespace llmtap::proxy
