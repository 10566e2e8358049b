// The mock over real sockets: bodies, usage, headers, injected errors, auth and robustness.
#include <gtest/gtest.h>

#include <regex>

#include "test_client.h"

namespace llmtap::mock::testing {
namespace {

using nlohmann::json;

const std::string k_chat =
    R"({"model":"gpt-4o-mini","messages":[{"role":"system","content":"Be brief."},)"
    R"({"role":"user","content":"Hello, how are you today?"}]})";

class MockServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mock_options o;
    o.body_limit = 64 * 1024;
    server_ = new running_mock(o);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static uint16_t port() { return server_->port(); }
  static running_mock* server_;
};
running_mock* MockServer::server_ = nullptr;

bool is_go_duration(const std::string& s) {
  static const std::regex re(R"(^(0s|\d+ms|(\d+h)?(\d+m)?\d+(\.\d+)?s)$)");
  return std::regex_match(s, re);
}

TEST_F(MockServer, ChatCompletionBodyAndUsage) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_FALSE(r.header("content-length").empty());
  auto j = r.json();
  EXPECT_EQ(j["object"], "chat.completion");
  EXPECT_EQ(j["id"].get<std::string>().rfind("chatcmpl-", 0), 0u);
  EXPECT_EQ(j["model"], "gpt-4o-mini-2024-07-18");
  ASSERT_EQ(j["choices"].size(), 1u);
  EXPECT_EQ(j["choices"][0]["message"]["role"], "assistant");
  EXPECT_EQ(j["choices"][0]["finish_reason"], "stop");
  std::string text = j["choices"][0]["message"]["content"];
  EXPECT_FALSE(text.empty());
  const auto& u = j["usage"];
  // 3 + (3 + 3 tokens) + (3 + 7 tokens): "Be brief." and "Hello, how are you today?"
  EXPECT_EQ(u["prompt_tokens"], 19);
  EXPECT_GE(u["completion_tokens"].get<int>(), 8);
  EXPECT_EQ(u["total_tokens"].get<int>(),
            u["prompt_tokens"].get<int>() + u["completion_tokens"].get<int>());
  EXPECT_EQ(u["prompt_tokens_details"]["cached_tokens"], 0);

  // Same request, same text and usage (ids differ).
  auto j2 = c.post("/v1/chat/completions", k_chat).json();
  EXPECT_EQ(j2["choices"][0]["message"]["content"], text);
  EXPECT_EQ(j2["usage"], u);
  EXPECT_NE(j2["id"], j["id"]);
}

TEST_F(MockServer, TokensHeaderSetsCompletionLengthAndMaxTokensTruncates) {
  client c(port());
  auto j = c.post("/v1/chat/completions", k_chat,
                  {{"authorization", "Bearer sk-test"}, {"x-mock-tokens", "5"}})
               .json();
  EXPECT_EQ(j["usage"]["completion_tokens"], 5);
  std::string text = j["choices"][0]["message"]["content"];
  EXPECT_EQ(std::count(text.begin(), text.end(), ' '), 4);  // five words
  auto body = json::parse(k_chat);
  body["max_tokens"] = 3;
  auto t = c.post("/v1/chat/completions", body.dump(),
                  {{"authorization", "Bearer sk-test"}, {"x-mock-tokens", "50"}})
               .json();
  EXPECT_EQ(t["usage"]["completion_tokens"], 3);
  EXPECT_EQ(t["choices"][0]["finish_reason"], "length");
}

TEST_F(MockServer, ToolsProduceAToolCall) {
  client c(port());
  json body = json::parse(k_chat);
  body["tools"] = json::parse(
      R"([{"type":"function","function":{"name":"get_weather","parameters":{"type":"object",)"
      R"("properties":{"city":{"type":"string"},"days":{"type":"integer"}}}}}])");
  auto j = c.post("/v1/chat/completions", body.dump()).json();
  EXPECT_EQ(j["choices"][0]["finish_reason"], "tool_calls");
  const auto& call = j["choices"][0]["message"]["tool_calls"][0];
  EXPECT_EQ(call["function"]["name"], "get_weather");
  auto args = json::parse(call["function"]["arguments"].get<std::string>());
  EXPECT_TRUE(args["city"].is_string());
  EXPECT_TRUE(args["days"].is_number_integer());
}

TEST_F(MockServer, LegacyCompletionsAndModels) {
  client c(port());
  auto j = c.post("/v1/completions",
                  R"({"model":"gpt-3.5-turbo-instruct","prompt":"Say this is a test"})")
               .json();
  EXPECT_EQ(j["object"], "text_completion");
  EXPECT_TRUE(j["choices"][0]["text"].is_string());
  EXPECT_EQ(j["usage"]["prompt_tokens"], 5);
  auto models = c.request(http::verb::get, "/v1/models");
  ASSERT_EQ(models.status, 200u);
  EXPECT_EQ(models.json()["object"], "list");
  EXPECT_GT(models.json()["data"].size(), 3u);
  auto one = c.request(http::verb::get, "/v1/models/gpt-4o");
  EXPECT_EQ(one.json()["id"], "gpt-4o");
  EXPECT_EQ(c.request(http::verb::get, "/v1/models/nope").status, 404u);
}

TEST_F(MockServer, EmbeddingsFloatAndBase64) {
  client c(port());
  auto j = c.post("/v1/embeddings",
                  R"({"model":"text-embedding-3-small","input":["hello world","bye"]})")
               .json();
  ASSERT_EQ(j["data"].size(), 2u);
  EXPECT_EQ(j["object"], "list");
  EXPECT_EQ(j["data"][1]["index"], 1);
  ASSERT_EQ(j["data"][0]["embedding"].size(), 8u);
  EXPECT_TRUE(j["data"][0]["embedding"][0].is_number_float());
  EXPECT_EQ(j["usage"]["prompt_tokens"], 3);
  EXPECT_EQ(j["usage"]["total_tokens"], 3);
  auto b =
      c.post("/v1/embeddings", R"({"model":"text-embedding-3-small","input":"hi","dimensions":16,)"
                               R"("encoding_format":"base64"})")
          .json();
  std::string s = b["data"][0]["embedding"];
  EXPECT_EQ(s.size(), 88u);  // 16 floats = 64 bytes = 88 base64 chars
}

TEST_F(MockServer, ResponsesNonStream) {
  client c(port());
  auto j = c.post("/v1/responses", R"({"model":"gpt-4.1","input":"Tell me a joke"})").json();
  EXPECT_EQ(j["object"], "response");
  EXPECT_EQ(j["status"], "completed");
  EXPECT_EQ(j["model"], "gpt-4.1-2025-04-14");
  EXPECT_EQ(j["output"][0]["content"][0]["type"], "output_text");
  EXPECT_EQ(j["usage"]["input_tokens"], 4);
  EXPECT_EQ(j["usage"]["total_tokens"].get<int>(), 4 + j["usage"]["output_tokens"].get<int>());
}

TEST_F(MockServer, RealisticHeaders) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat);
  EXPECT_TRUE(std::regex_match(r.header("x-request-id"), std::regex("^req_[0-9a-f]{32}$")))
      << r.header("x-request-id");
  EXPECT_TRUE(std::regex_match(r.header("openai-processing-ms"), std::regex("^[0-9]+$")));
  EXPECT_EQ(r.header("openai-version"), "2020-10-01");
  EXPECT_EQ(r.header("openai-organization"), "org-mock");
  EXPECT_FALSE(r.header("openai-project").empty());
  for (const char* h : {"x-ratelimit-limit-requests", "x-ratelimit-limit-tokens",
                        "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens"})
    EXPECT_TRUE(std::regex_match(r.header(h), std::regex("^[0-9]+$"))) << h;
  EXPECT_TRUE(is_go_duration(r.header("x-ratelimit-reset-requests")))
      << r.header("x-ratelimit-reset-requests");
  EXPECT_TRUE(is_go_duration(r.header("x-ratelimit-reset-tokens")))
      << r.header("x-ratelimit-reset-tokens");
}

TEST(MockRateLimit, BudgetsDecreasePerCall) {
  mock_options o;
  o.requests_per_window = 60;  // refills one request per second: two quick calls both show
  o.tokens_per_window = 60000;
  running_mock m(o);
  client c(m.port());
  header_list h = {{"authorization", "Bearer sk-test"}, {"x-mock-tokens", "400"}};
  auto a = c.post("/v1/chat/completions", k_chat, h);
  auto b = c.post("/v1/chat/completions", k_chat, h);
  EXPECT_EQ(a.header("x-ratelimit-limit-requests"), "60");
  EXPECT_EQ(a.header("x-ratelimit-remaining-requests"), "59");
  EXPECT_EQ(b.header("x-ratelimit-remaining-requests"), "58");
  EXPECT_LT(std::stoll(b.header("x-ratelimit-remaining-tokens")),
            std::stoll(a.header("x-ratelimit-remaining-tokens")));
  EXPECT_EQ(a.header("x-ratelimit-remaining-tokens"), "59581");  // 60000 - (19 + 400)
  EXPECT_TRUE(is_go_duration(b.header("x-ratelimit-reset-requests")));
  EXPECT_NE(b.header("x-ratelimit-reset-requests").find('s'), std::string::npos);
}

TEST_F(MockServer, Injected429CarriesRetryAfterAndRateLimitBody) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat,
                  {{"authorization", "Bearer sk-test"}, {"x-mock-status", "429"}});
  ASSERT_EQ(r.status, 429u);
  EXPECT_EQ(r.header("retry-after"), "1");
  EXPECT_FALSE(r.header("x-request-id").empty());
  auto e = r.json()["error"];
  EXPECT_EQ(e["code"], "rate_limit_exceeded");
  EXPECT_EQ(e["type"], "tokens");
  EXPECT_TRUE(e["param"].is_null());
  EXPECT_EQ(e["message"].get<std::string>().rfind("Rate limit reached for gpt-4o-mini", 0), 0u);
}

TEST_F(MockServer, InjectedQuotaAnd500) {
  client c(port());
  auto q = c.post("/v1/chat/completions", k_chat,
                  {{"authorization", "Bearer sk-test"}, {"x-mock-error", "insufficient_quota"}});
  EXPECT_EQ(q.status, 429u);
  EXPECT_EQ(q.json()["error"]["code"], "insufficient_quota");
  EXPECT_EQ(q.json()["error"]["type"], "insufficient_quota");
  auto s = c.post("/v1/chat/completions", k_chat,
                  {{"authorization", "Bearer sk-test"}, {"x-mock-status", "500"}});
  EXPECT_EQ(s.status, 500u);
  EXPECT_EQ(s.json()["error"]["type"], "server_error");
  EXPECT_TRUE(s.json()["error"]["code"].is_null());
  auto t = c.post("/v1/embeddings", "{}", {{"api-key", "k"}, {"x-mock-status", "503"}});
  EXPECT_EQ(t.status, 503u);
  EXPECT_FALSE(t.header("retry-after").empty());
}

TEST_F(MockServer, AuthIsRequired) {
  client c(port());
  auto r = c.post("/v1/chat/completions", k_chat, {});
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.json()["error"]["code"], "invalid_api_key");
  EXPECT_EQ(r.json()["error"]["type"], "invalid_request_error");
  // Azure: api-key header and deployment path; the model comes from the deployment name.
  auto az = c.post("/openai/deployments/prod-gpt-4o-mini/chat/completions?api-version=2024-10-21",
                   R"({"messages":[{"role":"user","content":"hi"}]})", {{"api-key", "abc"}});
  ASSERT_EQ(az.status, 200u) << az.body;
  EXPECT_EQ(az.json()["model"], "gpt-4o-mini-2024-07-18");
  auto bare = c.post("/chat/completions", k_chat);  // base URL without /v1
  EXPECT_EQ(bare.status, 200u);
}

TEST_F(MockServer, BadRequestsGetOpenAiErrors) {
  client c(port());
  auto nf = c.post("/v1/nothing/here", "{}");
  EXPECT_EQ(nf.status, 404u);
  EXPECT_EQ(nf.json()["error"]["message"], "Invalid URL (POST /v1/nothing/here)");
  auto bad = c.post("/v1/chat/completions", "{not json");
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.json()["error"]["type"], "invalid_request_error");
  auto nomodel = c.post("/v1/chat/completions", R"({"messages":[]})");
  EXPECT_EQ(nomodel.status, 400u);
  auto wrongtype = c.post("/v1/chat/completions", R"({"model":"x","messages":[1,{"content":7}]})");
  EXPECT_EQ(wrongtype.status, 200u);  // odd shapes are tolerated, never fatal
  auto big = c.post("/v1/chat/completions", std::string(100 * 1024, 'x'));
  EXPECT_EQ(big.status, 413u);
  client c2(port());
  EXPECT_EQ(c2.post("/v1/chat/completions", k_chat).status, 200u);
}

TEST_F(MockServer, KeepAliveServesSeveralRequests) {
  client c(port());
  for (int i = 0; i < 3; ++i) {
    auto r = c.post("/v1/chat/completions", k_chat);
    ASSERT_EQ(r.status, 200u) << i;
    EXPECT_FALSE(r.ec) << r.ec.message();
  }
}

TEST_F(MockServer, GarbageGets400AndServerKeepsServing) {
  {
    client raw(port());
    net::write(raw.stream().socket(), net::buffer(std::string("\x01\x02GARBAGE \xff\r\n\r\n")));
    std::string got;
    beast::error_code ec;
    char buf[4096];
    for (;;) {
      auto n = raw.stream().socket().read_some(net::buffer(buf), ec);
      got.append(buf, n);
      if (ec) break;
    }
    EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  }
  client c(port());
  EXPECT_EQ(c.post("/v1/chat/completions", k_chat).status, 200u);
}

TEST_F(MockServer, LatencyHeaderDelaysTheAnswer) {
  client c(port());
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.post("/v1/embeddings", R"({"model":"text-embedding-3-small","input":"x"})",
                  {{"authorization", "Bearer k"}, {"x-mock-latency-ms", "120"}});
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  EXPECT_EQ(r.status, 200u);
  EXPECT_GE(ms, 120);
  EXPECT_GE(std::stoi(r.header("openai-processing-ms")), 120);
}

TEST(MockFail, FailFlagFailsAFractionOfCalls) {
  mock_options o;
  o.fail = {{503, 0.5}};
  running_mock m(o);
  client c(m.port());
  std::vector<unsigned> statuses;
  for (int i = 0; i < 4; ++i) statuses.push_back(c.post("/v1/chat/completions", k_chat).status);
  EXPECT_EQ(statuses, (std::vector<unsigned>{200, 503, 200, 503}));
}

}  // namespace
}  // namespace llmtap::mock::testing
