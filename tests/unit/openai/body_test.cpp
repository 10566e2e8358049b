#include "openai/body.h"

#include <gtest/gtest.h>

#include <string>

#include "openai/sse.h"
#include "test_util.h"

namespace llmtap::openai {
namespace {

exchange body_exchange(const std::string& fixture_name) {
  exchange x;
  x.response_body.bytes = test::fixture(fixture_name);
  EXPECT_FALSE(x.response_body.bytes.empty()) << fixture_name;
  return x;
}

// Frames a recorded stream the way the proxy does: each event's data into the exchange's ring.
exchange stream_exchange(const std::string& fixture_name) {
  exchange x;
  x.stream = true;
  const std::string s = test::fixture(fixture_name);
  EXPECT_FALSE(s.empty()) << fixture_name;
  sse_framer f;
  f.feed(s, [&](const sse_event& e) { x.next_event_slot().assign(e.data); });
  return x;
}

void expect_usage(const usage& u, int64_t in, int64_t out, int64_t total, int64_t cached,
                  int64_t reasoning) {
  EXPECT_EQ(u.input_tokens, in);
  EXPECT_EQ(u.output_tokens, out);
  EXPECT_EQ(u.total_tokens, total);
  EXPECT_EQ(u.cached_input_tokens, cached);
  EXPECT_EQ(u.reasoning_tokens, reasoning);
  EXPECT_EQ(u.source, usage_source::reported);
}

TEST(ParseResponse, Chat) {
  exchange x = body_exchange("chat.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-2024-08-06");
  EXPECT_EQ(x.finish_reason, "stop");
  expect_usage(x.usage, 19, 10, 29, 0, 0);
  EXPECT_EQ(x.usage.audio_input_tokens, 0);
  EXPECT_EQ(x.usage.audio_output_tokens, 0);
  EXPECT_TRUE(x.error_type.empty());
  EXPECT_TRUE(x.error_code.empty());
}

// Mid-stream chunks with nothing to add are not parsed; the facts in the others, however they
// are spaced, still are.
TEST(ParseResponse, StreamFactsInSpacedChunksAmongEmptyOnes) {
  exchange x;
  x.stream = true;
  const char* events[] = {
      R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null})",
      R"({"id":"c1","choices":[{"index":0,"delta":{},"finish_reason" : "length"}],"usage" :null})",
      R"({"id":"c1","choices":[{"index":0,"delta":{"content":" there"},"finish_reason": null}]})",
      R"({"id":"c1","choices":[],"usage" : {"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}})",
  };
  for (const char* e : events) x.next_event_slot() = e;
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(x.finish_reason, "length");
  EXPECT_EQ(x.usage.input_tokens, 5);
  EXPECT_EQ(x.usage.output_tokens, 2);
  EXPECT_EQ(x.usage.source, usage_source::reported);
}

// Tail chunks shaped like OpenAI's: the facts in them are read however their blanks are written,
// and an error on a chunk-shaped event is an error.
TEST(ParseResponse, TailChunksWithFactsAreReadWhateverTheirSpacing) {
  exchange x;
  x.stream = true;
  const std::string head = R"({"id":"c1","object":"chat.completion.chunk","model":"gpt-4o",)";
  x.next_event_slot() = head + R"("choices":[{"index":0,"delta":{"role":"assistant"}}]})";
  x.next_event_slot() =
      head + R"("choices":[{"delta":{"content":"a"},"finish_reason":null}],"usage":null})";
  x.next_event_slot() =
      head + R"("choices":[{"delta":{},"finish_reason" :  "length"}],"usage":null})";
  x.next_event_slot() = head + R"("choices":[{"delta":{"content":"b"},"finish_reason":null}]})";
  x.next_event_slot() = head +
                        "\"choices\":[],\"usage\":\n{\"prompt_tokens\":4,\"completion_tokens\":1,"
                        "\"total_tokens\":5}}";
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o");
  EXPECT_EQ(x.finish_reason, "length");
  EXPECT_EQ(x.usage.total_tokens, 5);

  exchange y;  // an in-band error on a chunk-shaped event
  y.stream = true;
  y.next_event_slot() = head + R"("choices":[{"index":0,"delta":{"role":"assistant"}}]})";
  y.next_event_slot() = head + R"("choices":[],"error" : {"type":"server_error","message":"x"}})";
  parse_response(y);
  EXPECT_EQ(y.error_type, "server_error");
}

// A first event without a model: every tail event is read, so the model still comes through.
TEST(ParseResponse, StreamWhoseFirstEventHasNoModel) {
  exchange x;
  x.stream = true;
  x.next_event_slot() = R"({"id":"c1","choices":[{"index":0,"delta":{"role":"assistant"}}]})";
  x.next_event_slot() =
      R"({"id":"c1","model":"m-1","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]})";
  parse_response(x);
  EXPECT_EQ(x.model_served, "m-1");
}

// A capture with room after it is parsed in place: whatever the room holds (here, bytes that
// would mean something to a JSON parser) must not change the result.
TEST(ParseResponse, InPlaceParseIgnoresWhatLiesPastTheCapture) {
  exchange x = body_exchange("chat.json");
  const size_t n = x.response_body.bytes.size();
  x.response_body.bytes.resize(n + 200, ']');
  for (size_t i = n; i < n + 200; i += 3) x.response_body.bytes[i] = '"';
  x.response_body.bytes.resize(n);
  ASSERT_GE(x.response_body.bytes.capacity(), n + kCapturePadding);
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-2024-08-06");
  EXPECT_EQ(x.finish_reason, "stop");
  expect_usage(x.usage, 19, 10, 29, 0, 0);
  // A broken capture with room still takes the repairing path (a copy).
  exchange cut = body_exchange("chat.json");
  cut.response_body.bytes.resize(cut.response_body.bytes.find("\"usage\""));
  cut.response_body.bytes.reserve(cut.response_body.bytes.size() + 500);
  parse_response(cut);
  EXPECT_EQ(cut.model_served, "gpt-4o-2024-08-06");
  EXPECT_EQ(cut.finish_reason, "stop");
}

TEST(ParseResponse, ChatCachedReasoningAudio) {
  exchange x = body_exchange("chat_reasoning_cached.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "o3-mini-2025-01-31");
  EXPECT_EQ(x.finish_reason, "length");
  expect_usage(x.usage, 1500, 900, 2400, 1024, 832);
  EXPECT_EQ(x.usage.audio_input_tokens, 7);
  EXPECT_EQ(x.usage.audio_output_tokens, 3);
}

TEST(ParseResponse, ChatStreamWithUsageChunk) {
  exchange x = stream_exchange("chat_stream_usage.sse");
  ASSERT_EQ(x.event_count, 5u);
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(x.finish_reason, "stop");
  expect_usage(x.usage, 9, 2, 11, 0, 0);
  EXPECT_TRUE(x.error_type.empty());
}

TEST(ParseResponse, ChatStreamWithoutUsageChunk) {
  exchange x;
  x.stream = true;
  x.next_event_slot() =
      R"({"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]})";
  x.next_event_slot() =
      R"({"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]})";
  x.next_event_slot() = "[DONE]";
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-mini");
  EXPECT_EQ(x.finish_reason, "tool_calls");
  EXPECT_EQ(x.usage.source, usage_source::none);
  EXPECT_EQ(x.usage.input_tokens, -1);
}

// Tail events the worker left in stream_content (exchange::place_last_event_in_content) are read
// from there: in place when the buffer has the parser's padding after them, from a copy when not.
TEST(ParseResponse, TailEventsKeptInStreamContent) {
  for (bool roomy : {true, false}) {
    SCOPED_TRACE(roomy ? "padded" : "tight");
    exchange x;
    x.stream = true;
    x.next_event_slot() =
        R"({"model":"gpt-4o-2024-08-06","choices":[{"delta":{"role":"assistant"}}]})";
    const std::string records[] = {
        R"({"choices":[{"delta":{"content":"x"}}]})",
        R"({"choices":[{"delta":{},"finish_reason":"length"}]})",
        R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}})"};
    std::string all;
    for (const auto& r : records) all += r + kRecordSeparator;
    x.stream_content.bytes.reserve(roomy ? all.size() + 128 : all.size());
    x.stream_content.bytes = all;
    if (!roomy) x.stream_content.bytes.shrink_to_fit();
    size_t at = 0;
    for (const auto& r : records) {
      x.next_event_slot() = "{}";  // what the slot's own string holds must not be read
      ASSERT_TRUE(x.place_last_event_in_content(at, r.size()));
      at += r.size() + 1;
    }
    x.next_event_slot() = "[DONE]";
    parse_response(x);
    EXPECT_EQ(x.model_served, "gpt-4o-2024-08-06");
    EXPECT_EQ(x.finish_reason, "length");
    expect_usage(x.usage, 3, 5, 8, -1, -1);  // no details: unknown, not zero
  }
}

TEST(ParseResponse, LongStreamUsesFirstAndTail) {
  exchange x;
  x.stream = true;
  x.next_event_slot() =
      R"({"model":"gpt-4o-2024-08-06","choices":[{"delta":{"role":"assistant"}}]})";
  for (int i = 0; i < 50; ++i) x.next_event_slot() = R"({"choices":[{"delta":{"content":"x"}}]})";
  x.next_event_slot() = R"({"choices":[{"delta":{},"finish_reason":"length"}]})";
  x.next_event_slot() =
      R"({"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":50,"total_tokens":53}})";
  x.next_event_slot() = "[DONE]";
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-2024-08-06");
  EXPECT_EQ(x.finish_reason, "length");
  EXPECT_EQ(x.usage.input_tokens, 3);
  EXPECT_EQ(x.usage.output_tokens, 50);
  EXPECT_EQ(x.usage.total_tokens, 53);
  EXPECT_EQ(x.usage.cached_input_tokens, -1);  // not reported: unknown, not zero
}

TEST(ParseResponse, ChatStreamInBandError) {
  exchange x = stream_exchange("chat_stream_error.sse");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(x.error_type, "server_error");
  EXPECT_EQ(x.error_code, "");
  EXPECT_EQ(x.usage.source, usage_source::none);
}

TEST(ParseResponse, Completions) {
  exchange x = body_exchange("completions.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-3.5-turbo-instruct");
  EXPECT_EQ(x.finish_reason, "length");
  expect_usage(x.usage, 5, 7, 12, -1, -1);
}

TEST(ParseResponse, Embeddings) {
  exchange x = body_exchange("embeddings.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "text-embedding-3-small");
  expect_usage(x.usage, 8, -1, 8, -1, -1);
  EXPECT_TRUE(x.finish_reason.empty());
}

TEST(ParseResponse, ResponsesNonStream) {
  exchange x = body_exchange("responses.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4.1-2025-04-14");
  EXPECT_EQ(x.finish_reason, "completed");
  expect_usage(x.usage, 36, 87, 123, 0, 0);
  EXPECT_TRUE(x.error_type.empty());  // "error": null is not an error
}

TEST(ParseResponse, ResponsesIncompleteWithReasoning) {
  exchange x = body_exchange("responses_reasoning_incomplete.json");
  parse_response(x);
  EXPECT_EQ(x.model_served, "o3-2025-04-16");
  EXPECT_EQ(x.finish_reason, "max_output_tokens");
  expect_usage(x.usage, 81, 1035, 1116, 64, 832);
}

TEST(ParseResponse, ResponsesStreamCompleted) {
  exchange x = stream_exchange("responses_stream_completed.sse");
  ASSERT_EQ(x.event_count, 5u);
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4.1-2025-04-14");
  EXPECT_EQ(x.finish_reason, "completed");
  expect_usage(x.usage, 37, 11, 48, 0, 0);
  EXPECT_TRUE(x.error_type.empty());
}

TEST(ParseResponse, ResponsesStreamIncomplete) {
  exchange x = stream_exchange("responses_stream_incomplete.sse");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4.1-mini-2025-04-14");
  EXPECT_EQ(x.finish_reason, "max_output_tokens");
  expect_usage(x.usage, 20, 16, 36, 0, 0);
}

TEST(ParseResponse, ResponsesStreamFailed) {
  exchange x = stream_exchange("responses_stream_failed.sse");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4.1-2025-04-14");
  EXPECT_EQ(x.finish_reason, "failed");
  EXPECT_EQ(x.error_type, "server_error");
  EXPECT_EQ(x.error_code, "server_error");
  expect_usage(x.usage, 12, 0, 12, -1, -1);
}

TEST(ParseResponse, ResponsesStreamErrorEvent) {
  exchange x = stream_exchange("responses_stream_error.sse");
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4.1-2025-04-14");
  EXPECT_EQ(x.error_type, "server_error");
  EXPECT_EQ(x.error_code, "server_error");
  EXPECT_TRUE(x.finish_reason.empty());  // in_progress is not an outcome
}

TEST(ParseResponse, ResponsesErrorEventWithNestedError) {
  exchange x;
  x.stream = true;
  x.next_event_slot() =
      R"({"type":"error","error":{"type":"invalid_request_error","code":"context_length_exceeded","message":"too long","param":"input"},"sequence_number":1})";
  parse_response(x);
  EXPECT_EQ(x.error_type, "invalid_request_error");
  EXPECT_EQ(x.error_code, "context_length_exceeded");
}

TEST(ParseResponse, TranscriptionStreamDoneEvent) {
  exchange x;
  x.stream = true;
  x.next_event_slot() = R"({"type":"transcript.text.delta","delta":"Imagine"})";
  x.next_event_slot() =
      R"({"type":"transcript.text.done","text":"Imagine","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}})";
  parse_response(x);
  expect_usage(x.usage, 14, 45, 59, -1, -1);
  EXPECT_EQ(x.usage.audio_input_tokens, 14);
}

TEST(ParseResponse, Images) {
  exchange x = body_exchange("images.json");
  parse_response(x);
  EXPECT_TRUE(x.model_served.empty());  // images responses do not name the model
  expect_usage(x.usage, 50, 50, 100, -1, -1);
}

TEST(ParseResponse, TranscriptionTokens) {
  exchange x = body_exchange("transcription.json");
  parse_response(x);
  expect_usage(x.usage, 14, 45, 59, -1, -1);
  EXPECT_EQ(x.usage.audio_input_tokens, 14);
}

TEST(ParseResponse, TranscriptionDurationHasNoTokens) {
  exchange x = body_exchange("transcription_duration.json");
  parse_response(x);
  EXPECT_EQ(x.usage.source, usage_source::none);
  EXPECT_EQ(x.usage.input_tokens, -1);
}

TEST(ParseResponse, Errors) {
  struct row {
    const char* file;
    const char* type;
    const char* code;
  };
  const row rows[] = {
      {"error_openai_401.json", "invalid_request_error", "invalid_api_key"},
      {"error_openai_429.json", "tokens", "rate_limit_exceeded"},
      {"error_azure_429.json", "429", "429"},         // no type: the code stands in
      {"error_vllm.json", "BadRequestError", "400"},  // numeric code rendered as text
      {"error_kserve.json", "BadRequest", "400"},
  };
  for (const auto& r : rows) {
    exchange x = body_exchange(r.file);
    x.status = 400;
    parse_response(x);
    EXPECT_EQ(x.error_type, r.type) << r.file;
    EXPECT_EQ(x.error_code, r.code) << r.file;
    EXPECT_EQ(x.usage.source, usage_source::none) << r.file;
  }
}

TEST(ParseResponse, TruncatedJsonKeepsWhatParsed) {
  const std::string full = test::fixture("chat.json");
  // Cut inside the "content" string: the model before the cut survives.
  exchange x;
  x.response_body.bytes = full.substr(0, full.find("Hello!") + 3);
  x.response_body.truncated = true;
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o-2024-08-06");
  EXPECT_EQ(x.usage.source, usage_source::none);
  // Cut inside a number: "total_tokens": 2 (of 29) must not be read as 2.
  exchange n;
  n.response_body.bytes = full.substr(0, full.find("\"total_tokens\": 29") + 17);
  ASSERT_TRUE(n.response_body.bytes.ends_with(": 2"));
  parse_response(n);
  EXPECT_EQ(n.usage.input_tokens, 19);
  EXPECT_EQ(n.usage.output_tokens, 10);
  EXPECT_EQ(n.usage.total_tokens, -1);
  // Cut inside a string value: a partial model name is not a model name.
  exchange m;
  m.response_body.bytes = full.substr(0, full.find("2024-08-06"));
  parse_response(m);
  EXPECT_TRUE(m.model_served.empty());
  // Every prefix of every fixture, parsed as body and as a stream event, must not crash.
  for (const char* f : {"chat.json", "responses.json", "error_vllm.json", "transcription.json"}) {
    const std::string s = test::fixture(f);
    for (size_t i = 0; i <= s.size(); ++i) {
      exchange y;
      y.response_body.bytes = s.substr(0, i);
      parse_response(y);
      exchange z;
      z.stream = true;
      z.next_event_slot() = s.substr(0, i);
      parse_response(z);
    }
  }
}

TEST(ParseResponse, GarbageAndInvalidUtf8) {
  for (const char* body : {"", "not json", "[DONE]", "[1,2,3]", "null", "{", "}", "{\"model\":",
                           "{\"usage\":{\"prompt_tokens\":-5,\"total_tokens\":\"x\"}}",
                           "{\"choices\":{\"finish_reason\":\"stop\"}}"}) {
    exchange x;
    x.response_body.bytes = body;
    parse_response(x);
    EXPECT_TRUE(x.model_served.empty()) << body;
    EXPECT_TRUE(x.finish_reason.empty()) << body;
    EXPECT_EQ(x.usage.source, usage_source::none) << body;
  }
  exchange x;
  x.response_body.bytes =
      "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"bad \xff\xfe bytes\"},"
      "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2,"
      "\"total_tokens\":3}}";
  parse_response(x);
  EXPECT_EQ(x.model_served, "gpt-4o");
  EXPECT_EQ(x.finish_reason, "stop");
  EXPECT_EQ(x.usage.total_tokens, 3);
}

// JSON wants tabs and newlines inside strings escaped; a server (or a hand-written client) that
// sends them raw still gets its facts read, from the request and from the response.
TEST(ParseResponse, RawControlCharactersInStrings) {
  exchange x;
  x.response_body.bytes =
      "{\"model\":\"gpt-4o\",\"choices\":[{\"message\":{\"content\":\"col1\tcol2\nrow \\\"q\\\" "
      "\x01\"},\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":"
      "5,"
      "\"total_tokens\":9}}";
  x.request_body.bytes =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"content\":\"a\tb\"}],\"stream\":true}";
  parse_request(x);
  parse_response(x);
  EXPECT_EQ(x.model_requested, "gpt-4o-mini");
  EXPECT_TRUE(x.stream_requested);
  EXPECT_EQ(x.model_served, "gpt-4o");
  EXPECT_EQ(x.finish_reason, "length");
  EXPECT_EQ(x.usage.total_tokens, 9);
  EXPECT_EQ(x.usage.source, usage_source::reported);
}

TEST(ParseRequest, JsonChatStream) {
  exchange x;
  x.request_body.bytes =
      R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi \"model\": x"}],"stream":true,"stream_options":{"include_usage":true}})";
  parse_request(x, "application/json");
  EXPECT_EQ(x.model_requested, "gpt-4o-mini");
  EXPECT_TRUE(x.stream_requested);
  EXPECT_TRUE(x.include_usage_requested);
}

TEST(ParseRequest, JsonDefaults) {
  exchange x;
  x.request_body.bytes = R"({"messages":[],"stream":false,"stream_options":null,"model":"o3"})";
  parse_request(x);
  EXPECT_EQ(x.model_requested, "o3");
  EXPECT_FALSE(x.stream_requested);
  EXPECT_FALSE(x.include_usage_requested);

  exchange y;
  y.request_body.bytes = R"({"input":"text","model":"text-embedding-3-small"})";
  parse_request(y);
  EXPECT_EQ(y.model_requested, "text-embedding-3-small");
  EXPECT_FALSE(y.stream_requested);
}

// What the include_usage rewrite is told: whether the body is an object read to its end, and
// whether "stream_options" is one of its top-level keys (a nested one is not).
TEST(ParseRequest, ReportsTheTopLevelKeysTheRewriteNeeds) {
  auto keys = [](std::string body, std::string_view content_type = {}) {
    exchange x;
    x.request_body.bytes = std::move(body);
    const request_keys k = parse_request(x, content_type);
    return std::pair{k.walked, k.stream_options};
  };
  EXPECT_EQ(keys(R"({"model":"m","stream":true})"), std::pair(true, false));
  EXPECT_EQ(keys(R"({"stream":true,"stream_options":null})"), std::pair(true, true));
  EXPECT_EQ(keys(R"({"stream_options":{"include_usage":false},"stream":true})"),
            std::pair(true, true));
  EXPECT_EQ(keys(R"({"metadata":{"stream_options":{}},"stream":true})"), std::pair(true, false));
  EXPECT_EQ(keys(R"({"stream":true,"messages":[)"), std::pair(false, false));
  EXPECT_EQ(keys(R"([{"stream":true}])"), std::pair(false, false));
  EXPECT_EQ(keys(""), std::pair(false, false));
  EXPECT_EQ(
      keys("--b\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--b--\r\n",
           "multipart/form-data; boundary=b"),
      std::pair(false, false));
}

// A large document makes the thread's parser let its buffers go afterwards (body.cpp,
// release_large_buffers): the documents after it, small or large, still parse.
TEST(ParseRequest, LargeThenSmallThenLargeBodies) {
  auto chat = [](const std::string& model, size_t content_bytes) {
    exchange x;
    x.request_body.bytes = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" +
                           std::string(content_bytes, 'a') + R"("}],"stream":true})";
    x.request_body.bytes.reserve(x.request_body.bytes.size() + 64);
    parse_request(x);
    return x;
  };
  for (auto [model, size] : {std::pair<std::string, size_t>{"gpt-4o", 600 * 1024},
                             {"gpt-4o-mini", 10},
                             {"o3", 900 * 1024},
                             {"o4-mini", 100}}) {
    exchange x = chat(model, size);
    EXPECT_EQ(x.model_requested, model) << size;
    EXPECT_TRUE(x.stream_requested) << size;
  }
}

TEST(ParseRequest, TruncatedJsonBody) {
  exchange x;
  x.request_body.bytes = R"({"model":"gpt-4o","messages":[{"role":"user","content":"aaaa)";
  x.request_body.truncated = true;
  parse_request(x);
  EXPECT_EQ(x.model_requested, "gpt-4o");
}

TEST(ParseRequest, MultipartTranscription) {
  exchange x;
  x.request_body.bytes =
      "--b0undary\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n"
      "Content-Type: audio/mpeg\r\n\r\n"
      "ID3\x01{\"model\":\"nope\"}\r\n"
      "--b0undary\r\n"
      "Content-Disposition: form-data; name=\"model\"\r\n\r\n"
      "whisper-1\r\n"
      "--b0undary--\r\n";
  x.request_body.bytes.insert(x.request_body.bytes.find("ID3") + 3, 1, '\0');
  parse_request(x, "multipart/form-data; boundary=b0undary");
  EXPECT_EQ(x.model_requested, "whisper-1");
  EXPECT_FALSE(x.stream_requested);

  exchange y;
  y.request_body.bytes = x.request_body.bytes;
  parse_request(y);  // content type not given: the boundary is read from the body
  EXPECT_EQ(y.model_requested, "whisper-1");
}

}  // namespace
}  // namespace llmtap::openai
