// The stream capture: chunks whose fields before "choices" repeat are kept compacted, every kept
// record still parses as the same choices, and the cap stops the capture cleanly.
#include "proxy/stream_capture.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmtap::proxy {
namespace {

using json = nlohmann::json;

std::string chunk(const std::string& content, const std::string& fingerprint = "fp_06737a9306") {
  return R"({"id":"chatcmpl-AbC","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":")" +
         fingerprint + R"(","choices":[{"index":0,"delta":{"content":")" + content +
         R"("},"logprobs":null,"finish_reason":null}],"usage":null})";
}

std::vector<std::string> records(const capture& c) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t end; (end = c.bytes.find(kRecordSeparator, start)) != std::string::npos;
       start = end + 1)
    out.push_back(c.bytes.substr(start, end - start));
  return out;
}

void keep(capture& c, std::string& header, const std::string& payload, size_t cap = 1 << 20) {
  std::string_view lead;
  std::string_view kept = compact_chunk(payload, header, lead);
  append_event_capped(c, lead, kept, cap);
}

TEST(StreamCapture, RepeatedChunkFieldsAreKeptOnceAndEveryRecordParsesToTheSameChoices) {
  capture c;
  std::string header;
  std::vector<std::string> sent = {chunk("Hel"), chunk("lo"), chunk(" \\\"world\\\"")};
  for (const auto& p : sent) keep(c, header, p);
  auto got = records(c);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], sent[0]);  // the first keeps its fields
  EXPECT_EQ(
      got[1],
      R"({"choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null})");
  for (size_t i = 0; i < sent.size(); ++i) {
    json a = json::parse(got[i]), b = json::parse(sent[i]);
    EXPECT_EQ(a["choices"], b["choices"]) << got[i];
    EXPECT_EQ(a["usage"], b["usage"]);
  }
  EXPECT_LT(c.bytes.size(), 2 * sent[0].size());  // three chunks in less than the room of two
}

TEST(StreamCapture, ChunksWithOtherFieldsOrNoChoicesAreKeptWhole) {
  capture c;
  std::string header;
  std::string first = chunk("a"), other = chunk("b", "fp_other");
  std::string responses = R"({"type":"response.output_text.delta","item_id":"msg_1","delta":"Hi"})";
  std::string leading = R"({"choices":[{"index":0,"delta":{"content":"c"}}]})";
  for (const auto& p : {first, other, responses, leading}) keep(c, header, p);
  EXPECT_EQ(records(c), (std::vector<std::string>{first, other, responses, leading}));
}

TEST(StreamCapture, TheCapStopsTheCaptureWithoutAPartialRecord) {
  capture c;
  std::string header;
  std::string p = chunk("x");
  std::string probe_header;
  std::string_view lead;
  compact_chunk(p, probe_header, lead);
  size_t compacted = 1 + compact_chunk(p, probe_header, lead).size();  // "{" + from "choices" on
  size_t cap = (p.size() + 1) + (compacted + 1) + compacted;  // a third does not fit by one byte
  keep(c, header, p, cap);
  keep(c, header, p, cap);
  EXPECT_FALSE(c.truncated);
  EXPECT_EQ(c.bytes.size(), cap - compacted);
  keep(c, header, p, cap);
  EXPECT_TRUE(c.truncated);
  keep(c, header, chunk(""), 1 << 20);  // nothing after the cut, even if it would fit
  auto got = records(c);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(c.bytes.back(), kRecordSeparator);
}

TEST(StreamCapture, AppendCappedKeepsWhatFits) {
  capture c;
  append_capped(c, "0123456789", 4);
  EXPECT_EQ(c.bytes, "0123");
  EXPECT_TRUE(c.truncated);
}

}  // namespace
}  // namespace llmtap::proxy
