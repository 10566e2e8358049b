// Pure pieces of the mock: durations, buckets, token counting, generation, routing, --fail.
#include <gtest/gtest.h>

#include "mock/content.h"
#include "mock/rate_limit.h"
#include "mock/routes.h"

namespace llmtap::mock {
namespace {

using std::chrono::milliseconds;

TEST(GoDuration, MatchesGoFormatting) {
  EXPECT_EQ(go_duration(milliseconds(0)), "0s");
  EXPECT_EQ(go_duration(milliseconds(6)), "6ms");
  EXPECT_EQ(go_duration(milliseconds(999)), "999ms");
  EXPECT_EQ(go_duration(milliseconds(1000)), "1s");
  EXPECT_EQ(go_duration(milliseconds(1200)), "1.2s");
  EXPECT_EQ(go_duration(milliseconds(8640)), "8.64s");
  EXPECT_EQ(go_duration(milliseconds(360000)), "6m0s");
  EXPECT_EQ(go_duration(milliseconds(61500)), "1m1.5s");
  EXPECT_EQ(go_duration(milliseconds(3600000)), "1h0m0s");
  EXPECT_EQ(go_duration(milliseconds(3723005)), "1h2m3.005s");
}

TEST(RateLimiter, DrainsPerCallAndRefillsOverTheWindow) {
  rate_limiter rl(10000, 2000000, milliseconds(60000));
  auto t0 = rate_limiter::clock::now();
  auto a = rl.consume(25, t0);
  EXPECT_EQ(a.limit_requests, 10000u);
  EXPECT_EQ(a.limit_tokens, 2000000u);
  EXPECT_EQ(a.remaining_requests, 9999u);
  EXPECT_EQ(a.remaining_tokens, 1999975u);
  EXPECT_EQ(go_duration(a.reset_requests), "6ms");  // one request refills in 60s/10000
  auto b = rl.consume(100, t0);
  EXPECT_EQ(b.remaining_requests, 9998u);
  EXPECT_EQ(b.remaining_tokens, 1999875u);
  EXPECT_EQ(go_duration(b.reset_requests), "12ms");
  // A full window later everything is back (minus this call).
  auto c = rl.consume(0, t0 + milliseconds(60000));
  EXPECT_EQ(c.remaining_requests, 9999u);
  EXPECT_EQ(c.remaining_tokens, 2000000u);
  EXPECT_EQ(go_duration(c.reset_tokens), "0s");
}

TEST(RateLimiter, NeverGoesNegative) {
  rate_limiter rl(2, 10, milliseconds(60000));
  auto t0 = rate_limiter::clock::now();
  rl.consume(50, t0);
  rl.consume(50, t0);
  auto s = rl.consume(50, t0);
  EXPECT_EQ(s.remaining_requests, 0u);
  EXPECT_EQ(s.remaining_tokens, 0u);
  EXPECT_EQ(go_duration(s.reset_tokens), "1m0s");
}

TEST(Content, CountTokensIsWordsAndPunctuation) {
  EXPECT_EQ(count_tokens(""), 0u);
  EXPECT_EQ(count_tokens("Hello, world!"), 4u);
  EXPECT_EQ(count_tokens("  a  b\tc\n"), 3u);
  EXPECT_EQ(count_tokens("héllo wörld"), 2u);  // UTF-8 letters stay inside their word
}

TEST(Content, GeneratedTokensAreDeterministicWords) {
  auto a = generate_tokens(42, 20);
  auto b = generate_tokens(42, 20);
  ASSERT_EQ(a.size(), 20u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, generate_tokens(43, 20));
  EXPECT_NE(a[0][0], ' ');
  for (std::size_t i = 1; i < a.size(); ++i) EXPECT_EQ(a[i][0], ' ') << i;
  EXPECT_EQ(join(a).back(), '.');
  EXPECT_TRUE(generate_tokens(1, 0).empty());
  auto len = default_length(7);
  EXPECT_GE(len, 8u);
  EXPECT_LE(len, 32u);
}

TEST(Content, ModelsResolveToSnapshots) {
  EXPECT_EQ(resolve_model("gpt-4o"), "gpt-4o-2024-08-06");
  EXPECT_EQ(resolve_model("gpt-4o-mini"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(resolve_model("my-local-llama"), "my-local-llama");
  EXPECT_EQ(model_for_deployment("prod-gpt-4o-mini"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(model_for_deployment("chat"), "gpt-4o-2024-08-06");
}

TEST(Content, EmbeddingsAreUnitVectorsAndBase64IsFloat32) {
  auto v = embedding_vector("hello", 8);
  ASSERT_EQ(v.size(), 8u);
  double norm = 0;
  for (float f : v) norm += double(f) * f;
  EXPECT_NEAR(norm, 1.0, 1e-5);
  EXPECT_EQ(v, embedding_vector("hello", 8));
  EXPECT_EQ(base64_floats({}), "");
  EXPECT_EQ(base64_floats({1.0f}), "AACAPw==");  // 00 00 80 3f
  EXPECT_EQ(base64_floats(v).size(), 44u);       // 32 bytes -> 44 chars
}

TEST(Routes, ClassifiesOpenAiAzureAndBarePaths) {
  auto r = classify_path("/v1/chat/completions");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, route_kind::chat);
  EXPECT_EQ(classify_path("/chat/completions")->kind, route_kind::chat);
  EXPECT_EQ(classify_path("/v1/embeddings/")->kind, route_kind::embeddings);
  EXPECT_EQ(classify_path("/openai/v1/responses")->kind, route_kind::responses);
  auto az = classify_path("/openai/deployments/my-gpt-4o/chat/completions");
  ASSERT_TRUE(az);
  EXPECT_EQ(az->kind, route_kind::chat);
  EXPECT_EQ(az->deployment, "my-gpt-4o");
  auto m = classify_path("/v1/models/gpt-4o");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->kind, route_kind::model);
  EXPECT_EQ(m->model_id, "gpt-4o");
  EXPECT_FALSE(classify_path("/v1/nope"));
  EXPECT_FALSE(classify_path("/openai/deployments//chat/completions"));
  EXPECT_FALSE(classify_path(""));
}

TEST(Routes, FailFractionIsExactAndDeterministic) {
  int fired = 0;
  for (uint64_t i = 0; i < 1000; ++i) fired += fail_fires(i, 0.1);
  EXPECT_EQ(fired, 100);
  EXPECT_FALSE(fail_fires(0, 0.0));
  EXPECT_TRUE(fail_fires(5, 1.0));
  // Spread evenly: never two failures in a row at 10%.
  for (uint64_t i = 0; i < 100; ++i) EXPECT_FALSE(fail_fires(i, 0.1) && fail_fires(i + 1, 0.1));
}

}  // namespace
}  // namespace llmtap::mock
