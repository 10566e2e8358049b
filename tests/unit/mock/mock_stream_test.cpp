// Streams over real sockets: chat/completions SSE with and without include_usage, the Responses
// event sequence, and the stream faults (disconnect, malformed chunk, in-band error).
#include <gtest/gtest.h>

#include "test_client.h"

namespace llmtap::mock::testing {
namespace {

using nlohmann::json;

const std::string k_chat_stream =
    R"({"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"Write a haiku"}]})";
const std::string k_chat_stream_usage =
    R"({"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true},)"
    R"("messages":[{"role":"user","content":"Write a haiku"}]})";

class MockStream : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new running_mock(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static uint16_t port() { return server_->port(); }
  static running_mock* server_;
};
running_mock* MockStream::server_ = nullptr;

TEST_F(MockStream, ChatStreamWithIncludeUsage) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat_stream_usage);
  ASSERT_EQ(r.status, 200u);
  EXPECT_FALSE(r.ec) << r.ec.message();
  EXPECT_EQ(r.header("content-type").rfind("text/event-stream", 0), 0u);
  EXPECT_EQ(r.header("transfer-encoding"), "chunked");
  auto events = parse_sse(r.body);
  ASSERT_GE(events.size(), 4u);
  EXPECT_EQ(events.back().data, "[DONE]");
  std::string text;
  int content_deltas = 0;
  std::string id;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    auto j = json::parse(events[i].data);
    EXPECT_TRUE(events[i].event.empty());
    EXPECT_EQ(j["object"], "chat.completion.chunk");
    EXPECT_EQ(j["model"], "gpt-4o-2024-08-06");
    if (id.empty()) id = j["id"];
    EXPECT_EQ(j["id"], id);
    ASSERT_TRUE(j.contains("usage")) << i;
    if (i + 2 < events.size()) {
      EXPECT_TRUE(j["usage"].is_null()) << i;
      const auto& d = j["choices"][0]["delta"];
      if (d.contains("content") && !d["content"].get<std::string>().empty()) {
        text += d["content"].get<std::string>();
        ++content_deltas;
      }
    }
  }
  auto last = json::parse(events[events.size() - 2].data);
  EXPECT_TRUE(last["choices"].is_array());
  EXPECT_TRUE(last["choices"].empty());
  const auto& u = last["usage"];
  EXPECT_EQ(u["completion_tokens"].get<int>(), content_deltas);
  EXPECT_EQ(u["total_tokens"].get<int>(),
            u["prompt_tokens"].get<int>() + u["completion_tokens"].get<int>());
  auto fin = json::parse(events[events.size() - 3].data);
  EXPECT_EQ(fin["choices"][0]["finish_reason"], "stop");

  // The streamed text is the non-streamed text for the same request.
  auto body = json::parse(k_chat_stream_usage);
  body.erase("stream");
  body.erase("stream_options");
  auto ns = c.post("/v1/chat/completions", body.dump()).json();
  EXPECT_EQ(ns["choices"][0]["message"]["content"], text);
  EXPECT_EQ(ns["usage"]["prompt_tokens"], u["prompt_tokens"]);
}

TEST_F(MockStream, ChatStreamWithoutIncludeUsageHasNoUsageKey) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat_stream,
                  {{"authorization", "Bearer k"}, {"x-mock-tokens", "6"}});
  auto events = parse_sse(r.body);
  ASSERT_EQ(events.size(), 1u + 6u + 1u + 1u);  // role, 6 tokens, finish, [DONE]
  EXPECT_EQ(events.back().data, "[DONE]");
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    auto j = json::parse(events[i].data);
    EXPECT_FALSE(j.contains("usage")) << events[i].data;
    EXPECT_EQ(j["choices"].size(), 1u);
  }
}

TEST_F(MockStream, LegacyCompletionStream) {
  client c(port());
  auto r = c.post("/v1/completions",
                  R"({"model":"gpt-3.5-turbo-instruct","prompt":"Hi","stream":true,)"
                  R"("stream_options":{"include_usage":true}})",
                  {{"authorization", "Bearer k"}, {"x-mock-tokens", "3"}});
  auto events = parse_sse(r.body);
  ASSERT_EQ(events.size(), 3u + 1u + 1u + 1u);
  EXPECT_EQ(events.back().data, "[DONE]");
  auto first = json::parse(events[0].data);
  EXPECT_EQ(first["object"], "text_completion");
  auto usage = json::parse(events[4].data);
  EXPECT_EQ(usage["usage"]["completion_tokens"], 3);
  EXPECT_EQ(usage["usage"]["prompt_tokens"], 1);
}

TEST_F(MockStream, ResponsesStreamSequence) {
  client c(port());
  auto r = c.post("/v1/responses", R"({"model":"gpt-4.1","input":"Say hi","stream":true})",
                  {{"authorization", "Bearer k"}, {"x-mock-tokens", "4"}});
  ASSERT_EQ(r.status, 200u);
  auto events = parse_sse(r.body);
  std::vector<std::string> types;
  int64_t expect_seq = 0;
  for (const auto& e : events) {
    auto j = json::parse(e.data);
    EXPECT_EQ(j["type"], e.event);
    EXPECT_EQ(j["sequence_number"].get<int64_t>(), expect_seq++);
    types.push_back(e.event);
  }
  std::vector<std::string> want = {"response.created",           "response.in_progress",
                                   "response.output_item.added", "response.content_part.added",
                                   "response.output_text.delta", "response.output_text.delta",
                                   "response.output_text.delta", "response.output_text.delta",
                                   "response.output_text.done",  "response.content_part.done",
                                   "response.output_item.done",  "response.completed"};
  EXPECT_EQ(types, want);
  auto created = json::parse(events.front().data);
  EXPECT_TRUE(created["response"]["usage"].is_null());
  auto done = json::parse(events.back().data);
  EXPECT_EQ(done["response"]["status"], "completed");
  EXPECT_EQ(done["response"]["usage"]["input_tokens"], 2);
  EXPECT_EQ(done["response"]["usage"]["output_tokens"], 4);
  EXPECT_EQ(done["response"]["usage"]["total_tokens"], 6);
  auto text_done = json::parse(events[8].data);
  EXPECT_EQ(done["response"]["output"][0]["content"][0]["text"], text_done["text"]);
}

TEST_F(MockStream, DisconnectAfterCutsTheStream) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat_stream_usage,
                  {{"authorization", "Bearer k"}, {"x-mock-disconnect-after", "3"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_TRUE(r.ec) << "the body must not complete";
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(parse_sse(r.body).size(), 3u);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(MockStream, MalformedChunkMidStream) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat_stream,
                  {{"authorization", "Bearer k"}, {"x-mock-malformed", "1"}});
  auto events = parse_sse(r.body);
  int broken = 0;
  for (const auto& e : events)
    if (e.data != "[DONE]" && json::parse(e.data, nullptr, false).is_discarded()) ++broken;
  EXPECT_EQ(broken, 1);
  EXPECT_EQ(events.back().data, "[DONE]");
}

TEST_F(MockStream, InBandStreamErrors) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat_stream,
                  {{"authorization", "Bearer k"}, {"x-mock-stream-error", "1"}});
  EXPECT_EQ(r.status, 200u);
  EXPECT_FALSE(r.ec);
  auto events = parse_sse(r.body);
  auto last = json::parse(events.back().data);
  EXPECT_EQ(last["error"]["type"], "server_error");
  EXPECT_EQ(r.body.find("[DONE]"), std::string::npos);

  auto rr = c.post("/v1/responses", R"({"model":"gpt-4.1","input":"x","stream":true})",
                   {{"authorization", "Bearer k"}, {"x-mock-stream-error", "1"}});
  auto ev = parse_sse(rr.body);
  ASSERT_GE(ev.size(), 2u);
  EXPECT_EQ(ev[ev.size() - 2].event, "error");
  EXPECT_EQ(ev.back().event, "response.failed");
  auto failed = json::parse(ev.back().data);
  EXPECT_EQ(failed["response"]["status"], "failed");
  EXPECT_EQ(failed["response"]["error"]["code"], "server_error");
}

TEST_F(MockStream, ChunkDelaySpacesTheChunks) {
  client c(port());
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.post(
      "/v1/chat/completions", k_chat_stream,
      {{"authorization", "Bearer k"}, {"x-mock-tokens", "3"}, {"x-mock-chunk-delay-ms", "30"}});
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(parse_sse(r.body).size(), 6u);
  EXPECT_GE(ms, 5 * 30);  // six chunks, five gaps
}

}  // namespace
}  // namespace llmtap::mock::testing
