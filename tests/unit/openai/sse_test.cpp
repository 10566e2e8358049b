#include "openai/sse.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "test_util.h"

#include "alloc_counter.h"

namespace llmtap::openai {
namespace {

using ev = std::pair<std::string, std::string>;  // (event name, data)

std::vector<ev> frame(const std::vector<std::string_view>& chunks, sse_framer& f) {
  std::vector<ev> out;
  for (auto c : chunks) {
    f.feed(c, [&](const sse_event& e) { out.emplace_back(e.event, e.data); });
  }
  return out;
}

std::vector<ev> frame(const std::vector<std::string_view>& chunks) {
  sse_framer f;
  return frame(chunks, f);
}

// Every split into two feeds, and one byte at a time, must give the single-feed events.
void expect_split_invariant(std::string_view stream, const std::vector<ev>& want) {
  ASSERT_EQ(frame({stream}), want);
  for (size_t i = 0; i <= stream.size(); ++i) {
    ASSERT_EQ(frame({stream.substr(0, i), stream.substr(i)}), want) << "split at " << i;
  }
  sse_framer f;
  std::vector<ev> got;
  for (size_t i = 0; i < stream.size(); ++i) {
    f.feed(stream.substr(i, 1), [&](const sse_event& e) { got.emplace_back(e.event, e.data); });
  }
  EXPECT_EQ(got, want);
  EXPECT_FALSE(f.mid_event());
}

// A Responses-style stream exercising every framing rule at once.
const std::string kMixed =
    ": keep-alive comment\r\n"
    "event: response.created\r\n"
    "data: {\"type\":\"response.created\"}\r\n"
    "\r\n"
    "event: response.output_text.delta\r"
    "data: {\"delta\":\"Hi\"}\r"
    "\r"
    "id: 7\n"
    "retry: 1000\n"
    "event: response.output_text.delta\n"
    "data:{\"a\":1,\n"   // no space after the colon
    "data:  \"b\":2}\n"  // only one space is stripped
    "\n"
    "event: lonely\n"  // no data: not dispatched
    "\n"
    "data\r\n"  // a field without a colon: data with an empty value
    "\r\n"
    "\n"  // blank lines between events are harmless
    "event: response.completed\r\n"
    "data: {\"type\":\"response.completed\"}\r\n"
    "data: [x]\r\n"
    "\r\n";

const std::vector<ev> kMixedEvents = {
    {"response.created", "{\"type\":\"response.created\"}"},
    {"response.output_text.delta", "{\"delta\":\"Hi\"}"},
    {"response.output_text.delta", "{\"a\":1,\n \"b\":2}"},
    {"", ""},
    {"response.completed", "{\"type\":\"response.completed\"}\n[x]"},
};

TEST(SseFramer, MixedLineEndingsEverySplit) {
  ASSERT_NO_FATAL_FAILURE(expect_split_invariant(kMixed, kMixedEvents));
}

// Each event's place in the stream: from the end of the blank line before it (comments and
// data-less blocks between belong to it) to the end of its own; the same for every split.
TEST(SseFramer, EventPlacesEverySplit) {
  using place = std::pair<uint64_t, uint64_t>;
  auto places = [](const std::vector<std::string_view>& chunks, uint64_t* tail) {
    sse_framer f;
    std::vector<place> out;
    for (auto c : chunks) f.feed(c, [&](const sse_event& e) { out.emplace_back(e.begin, e.end); });
    *tail = f.event_begin();
    return out;
  };
  const std::string_view s = kMixed;
  const size_t b1 = s.find("\r\n\r\n") + 4, b2 = s.find("\r\r", b1) + 2,
               b3 = s.find("\n\n", b2) + 2, lonely = s.find("\n\n", b3) + 2,
               b4 = s.find("\r\n\r\n", lonely) + 4, b5 = s.size();
  const std::vector<place> want = {{0, b1}, {b1, b2}, {b2, b3}, {lonely, b4}, {b4 + 1, b5}};
  uint64_t tail = 0;
  ASSERT_EQ(places({s}, &tail), want);
  EXPECT_EQ(tail, s.size());
  for (size_t i = 0; i <= s.size(); ++i) {
    // A chunk that ends between the CR and LF of a blank line: the event ends at the CR (the
    // LF, in the next chunk, is skipped over by the next event's start).
    std::vector<place> split_want = want;
    for (auto& [b, e] : split_want)
      if (e == i + 1 && i > 0 && s[i - 1] == '\r' && s[i] == '\n') e = i;
    ASSERT_EQ(places({s.substr(0, i), s.substr(i)}, &tail), split_want) << "split at " << i;
    ASSERT_EQ(tail, s.size());
  }
  // Mid-event: the unfinished event's first byte.
  sse_framer f;
  f.feed("data: a\n\ndata: b", [](const sse_event&) {});
  EXPECT_EQ(f.event_begin(), 9u);
}

TEST(SseFramer, ChatStreamWithUsageEverySplit) {
  const std::string s = test::fixture("chat_stream_usage.sse");
  ASSERT_FALSE(s.empty());
  const auto events = frame({s});
  ASSERT_EQ(events.size(), 5u);
  for (const auto& e : events) EXPECT_EQ(e.first, "");
  EXPECT_TRUE(events[0].second.starts_with("{\"id\":\"chatcmpl-123\""));
  EXPECT_TRUE(events[3].second.find("\"usage\":{\"prompt_tokens\":9") != std::string::npos);
  EXPECT_EQ(events[4].second, "[DONE]");
  ASSERT_NO_FATAL_FAILURE(expect_split_invariant(s, events));
}

TEST(SseFramer, ResponsesStreamEverySplit) {
  const std::string s = test::fixture("responses_stream_completed.sse");
  const auto events = frame({s});
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].first, "response.created");
  EXPECT_EQ(events[2].first, "response.output_text.delta");
  EXPECT_EQ(events[4].first, "response.completed");
  EXPECT_TRUE(events[4].second.starts_with("{\"type\":\"response.completed\""));
  ASSERT_NO_FATAL_FAILURE(expect_split_invariant(s, events));
}

TEST(SseFramer, CrLfSplitAcrossChunksIsOneLineEnd) {
  // "\r" ends one chunk and "\n" starts the next: one line end, not a line end plus a blank line.
  EXPECT_EQ(frame({"data: a\r", "\ndata: b\r\n\r\n"}), (std::vector<ev>{{"", "a\nb"}}));
  EXPECT_EQ(frame({"data: a\r", "", "\n\r\n"}), (std::vector<ev>{{"", "a"}}));
}

TEST(SseFramer, SingleLineEventIsAViewIntoTheInput) {
  sse_framer f;
  const std::string chunk = "data: {\"x\":1}\n\n";
  const char* seen = nullptr;
  f.feed(chunk, [&](const sse_event& e) { seen = e.data.data(); });
  EXPECT_EQ(seen, chunk.data() + 6);
}

TEST(SseFramer, PartialEventIsKeptAcrossChunksAndNotDispatchedEarly) {
  sse_framer f;
  int n = 0;
  auto count = [&](const sse_event&) { ++n; };
  std::string a = "data: first half";
  f.feed(a, count);
  EXPECT_TRUE(f.mid_event());
  a.assign(a.size(), 'X');  // the framer must not keep views into an old chunk
  std::string got;
  f.feed(" second\n\n", [&](const sse_event& e) { got = e.data; });
  EXPECT_EQ(got, "first half second");
  EXPECT_EQ(n, 0);
  EXPECT_FALSE(f.mid_event());

  f.feed("data: x\n", count);  // a complete line, but the event is unfinished
  a.assign(20, 'Y');
  f.feed("\n", [&](const sse_event& e) { got = e.data; });
  EXPECT_EQ(got, "x");
}

TEST(SseFramer, ResetDropsPartialState) {
  sse_framer f;
  int n = 0;
  f.feed("event: e\ndata: partial", [&](const sse_event&) { ++n; });
  EXPECT_TRUE(f.mid_event());
  f.reset();
  EXPECT_FALSE(f.mid_event());
  std::vector<ev> got;
  f.feed("data: fresh\n\n", [&](const sse_event& e) { got.emplace_back(e.event, e.data); });
  EXPECT_EQ(got, (std::vector<ev>{{"", "fresh"}}));
  EXPECT_EQ(n, 0);
}

TEST(SseFramer, OverlongLinesAndEventsAreDropped) {
  sse_framer f(16);
  std::vector<ev> got;
  auto on = [&](const sse_event& e) { got.emplace_back(e.event, e.data); };
  f.feed("data: 0123456789", on);
  f.feed("0123456789\n\n", on);                          // line over the cap, split over chunks
  f.feed("data: 0123456789\ndata: 0123456789\n\n", on);  // event over the cap
  f.feed("data: ok\n\n", on);
  EXPECT_EQ(got, (std::vector<ev>{{"", "ok"}}));
}

TEST(SseFramer, NoAllocationInSteadyState) {
  const std::string chat = test::fixture("chat_stream_usage.sse");
  const std::string mixed = kMixed;
  sse_framer f;
  size_t events = 0;
  auto run = [&] {
    for (const std::string* s : {&chat, &mixed}) {
      // Odd chunk sizes so lines and events straddle chunks, as they do on the wire.
      for (size_t step : {size_t{1}, size_t{7}, size_t{37}, size_t{4096}}) {
        for (size_t i = 0; i < s->size(); i += step) {
          f.feed(std::string_view(*s).substr(i, step),
                 [&](const sse_event& e) { events += event_has_content(e.event, e.data) ? 2 : 1; });
        }
      }
    }
  };
  const size_t cold = llmtap::test::allocation_count();
  run();  // warm-up: buffers grow to the largest line and event
  EXPECT_GT(llmtap::test::allocation_count(),
            cold);  // the counter works: growing the buffers did allocate
  const size_t before_events = events;
  const size_t before = llmtap::test::allocation_count();
  run();
  EXPECT_EQ(llmtap::test::allocation_count() - before, 0u);
  EXPECT_EQ(events - before_events, before_events);
}

TEST(SseFramer, BinaryGarbageDoesNotCrash) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk.push_back(static_cast<char>((i * 131) & 0xff));
  sse_framer f;
  size_t n = 0;
  f.feed(junk, [&](const sse_event&) { ++n; });
  // Whatever state the garbage left, a blank line ends it and the next event frames normally.
  std::string last;
  f.feed("\n\ndata: ok\n\n", [&](const sse_event& e) { last = std::string(e.data); });
  EXPECT_EQ(last, "ok");
}

TEST(EventHasContent, ChatChunks) {
  EXPECT_TRUE(event_has_content("", R"({"choices":[{"index":0,"delta":{"content":"Hello"}}]})"));
  EXPECT_FALSE(event_has_content(
      "", R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}],"usage":null})"));
  EXPECT_FALSE(event_has_content("", R"({"choices":[{"delta":{"content":null}}]})"));
  EXPECT_FALSE(event_has_content("", R"({"choices":[{"delta":{},"finish_reason":"stop"}]})"));
  EXPECT_FALSE(event_has_content(
      "",
      R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens_details":{"reasoning_tokens":0}}})"));
  EXPECT_TRUE(event_has_content(
      "",
      R"({"choices":[{"delta":{"tool_calls":[{"index":0,"type":"function","function":{"name":"f"}}]}}]})"));
  EXPECT_TRUE(event_has_content("", R"({"choices":[{"delta":{"refusal":"No."}}]})"));
  EXPECT_TRUE(event_has_content("", R"({"choices":[{"delta":{"reasoning_content":"Hmm"}}]})"));
  EXPECT_TRUE(event_has_content("", R"({"choices": [{"text": " everyone", "index": 0}]})"));
  EXPECT_FALSE(event_has_content("", R"({"choices": [{"text": "", "index": 0}]})"));
  EXPECT_TRUE(event_has_content("message", R"({"choices":[{"delta":{"content" : "x"}}]})"));
  EXPECT_FALSE(event_has_content("", "[DONE]"));
  EXPECT_FALSE(event_has_content("", R"({"error":{"message":"boom","type":"server_error"}})"));
  EXPECT_FALSE(event_has_content("", R"({"type":"ping"})"));
}

// The keys are looked for in one pass: every occurrence of every key counts, a key's name as a
// value or as the start of a longer key does not.
TEST(EventHasContent, EveryOccurrenceOfEveryKey) {
  EXPECT_TRUE(event_has_content(
      "",
      R"({"choices":[{"index":0,"delta":{"content":""}},{"index":1,"delta":{"content":"x"}}]})"));
  EXPECT_TRUE(
      event_has_content("", R"({"choices":[{"delta":{"content":null,"reasoning":"Hmm"}}]})"));
  EXPECT_TRUE(event_has_content("", R"({"choices":[{"delta":{"function_call":{"name":"f"}}}]})"));
  EXPECT_FALSE(event_has_content("", R"({"note":"content","choices":[{"delta":{"text" : ""}}]})"));
  EXPECT_FALSE(event_has_content("", R"({"usage":{"reasoning_tokens":5,"text_tokens":3}})"));
  EXPECT_FALSE(
      event_has_content("", R"({"choices":[{"delta":{"tool_calls":[ ],"refusal":{ }}}]})"));
  EXPECT_FALSE(event_has_content("", R"({"choices":[{"delta":{"content")"));  // cut short
  // The first "type" decides even when it comes after the content keys.
  EXPECT_FALSE(
      event_has_content("", R"({"delta":{"content":"x"},"type":"response.output_text.done"})"));
  EXPECT_TRUE(event_has_content("", R"({"delta":{"content":"x"},"type":"function"})"));
  EXPECT_TRUE(event_has_content("", R"({"text":"x","type":"response.output_text.delta"})"));
}

// Keys are found 16 bytes at a time with a byte-by-byte tail: a key at any offset, across a
// block boundary or in the last bytes, decides the same way.
TEST(EventHasContent, KeysAtEveryOffset) {
  for (size_t pad = 0; pad < 40; ++pad) {
    const std::string lead = R"({"id":")" + std::string(pad, 'a') + R"(",)";
    EXPECT_TRUE(event_has_content("", lead + R"("content":"x"})")) << pad;
    EXPECT_FALSE(event_has_content("", lead + R"("content":""})")) << pad;
    EXPECT_TRUE(event_has_content("", lead + R"("text":[1]})")) << pad;
    EXPECT_FALSE(event_has_content("", lead + R"("type":"response.created","text":"x"})")) << pad;
    EXPECT_TRUE(event_has_content("", lead + R"("type":"response.output_text.delta"})")) << pad;
    EXPECT_FALSE(event_has_content("", lead + R"("contents":"x"})")) << pad;
    EXPECT_FALSE(event_has_content("", lead + R"("content")")) << pad;  // cut at the key
  }
}

TEST(EventHasContent, ResponsesEvents) {
  EXPECT_TRUE(event_has_content("response.output_text.delta", R"({"delta":"Hi"})"));
  EXPECT_TRUE(event_has_content("response.refusal.delta", "{}"));
  EXPECT_TRUE(event_has_content("response.function_call_arguments.delta", "{}"));
  EXPECT_TRUE(event_has_content("response.reasoning_summary_text.delta", "{}"));
  EXPECT_TRUE(event_has_content("response.reasoning_text.delta", "{}"));
  EXPECT_TRUE(event_has_content("response.audio.delta", "{}"));
  EXPECT_FALSE(event_has_content("response.created", R"({"response":{"output":[]}})"));
  EXPECT_FALSE(event_has_content("response.output_text.done", R"({"text":"Hi there!"})"));
  EXPECT_FALSE(event_has_content("response.completed", R"({"content":[{"text":"Hi"}]})"));
  EXPECT_FALSE(event_has_content("error", R"({"type":"error"})"));
  // No event: line: the "type" in the data names the event.
  EXPECT_TRUE(event_has_content("", R"({"type":"response.output_text.delta","delta":"Hi"})"));
  EXPECT_TRUE(event_has_content("", R"({"type": "response.reasoning_summary_text.delta"})"));
  EXPECT_FALSE(event_has_content("", R"({"type":"response.output_text.done","text":"Hi"})"));
  EXPECT_FALSE(event_has_content(
      "", R"({"type":"response.created","response":{"text":{"format":{"type":"text"}}}})"));
}

}  // namespace
}  // namespace llmtap::openai
