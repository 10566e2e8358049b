#include "openai/headers.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::openai {
namespace {

TEST(GoDuration, Table) {
  struct row {
    const char* in;
    int64_t ms;
  };
  const row rows[] = {
      {"6m0s", 360000},
      {"20ms", 20},
      {"8.64s", 8640},
      {"1h2m3.5s", 3723500},
      {"1us", 0},
      {"500ns", 0},
      {"0s", 0},
      {"0", 0},
      {"1s", 1000},
      {"12ms", 12},
      {"2ms", 2},
      {"1.5ms", 2},  // half rounds up
      {"1.4ms", 1},
      {"499999ns", 0},
      {"500000ns", 1},
      {"1500us", 2},
      {"1500\xC2\xB5s", 2},
      {"2h", 7200000},
      {".5s", 500},
      {"5.s", 5000},
      {"3", 3000},
      {"1.25", 1250},
      {" 6m0s ", 360000},
      {"+1s", 1000},
      {"59m59.999s", 3599999},
  };
  for (const auto& r : rows) EXPECT_EQ(parse_go_duration_ms(r.in), r.ms) << r.in;
}

TEST(GoDuration, InvalidOrNegative) {
  for (const char* bad : {"", " ", "-1s", "-0", "s", "1x", "1h5", "abc", "1..5s", ".s", "1s-", "ms",
                          "1 s", "99999999999999999999h", "3000000h"}) {
    EXPECT_EQ(parse_go_duration_ms(bad), -1) << bad;
  }
}

TEST(ParseInt, StrictWholeValue) {
  int64_t v = 7;
  EXPECT_TRUE(parse_int("150000", v));
  EXPECT_EQ(v, 150000);
  EXPECT_TRUE(parse_int(" -1 ", v));
  EXPECT_EQ(v, -1);
  EXPECT_TRUE(parse_int("+5", v));
  EXPECT_EQ(v, 5);
  v = 7;
  for (const char* bad : {"", "abc", "12abc", "1.5", "99999999999999999999", "+-1", "0x10"}) {
    EXPECT_FALSE(parse_int(bad, v)) << bad;
    EXPECT_EQ(v, 7);
  }
}

TEST(ProcessingMs, IntegerAndAzureFraction) {
  EXPECT_EQ(parse_processing_ms("1032"), 1032);
  EXPECT_EQ(parse_processing_ms("3482.8264"), 3483);
  EXPECT_EQ(parse_processing_ms("-3"), -1);
  EXPECT_EQ(parse_processing_ms("fast"), -1);
  EXPECT_EQ(parse_processing_ms(""), -1);
}

TEST(HeaderNames, CaseInsensitive) {
  EXPECT_TRUE(iequals("X-RateLimit-Limit-Requests", "x-ratelimit-limit-requests"));
  EXPECT_FALSE(iequals("x-ratelimit-limit", "x-ratelimit-limit-requests"));
  EXPECT_TRUE(istarts_with("Bearer sk", "bearer"));
  EXPECT_FALSE(istarts_with("Bear", "bearer"));
}

TEST(RateLimitHeaders, AllSix) {
  rate_limits rl;
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-limit-requests", "10000"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "X-RateLimit-Limit-Tokens", "2000000"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-remaining-requests", "9999"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "X-RATELIMIT-REMAINING-TOKENS", " 1999975 "));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-reset-requests", "6ms"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-reset-tokens", "6m0s"));
  EXPECT_EQ(rl.limit_requests, 10000);
  EXPECT_EQ(rl.limit_tokens, 2000000);
  EXPECT_EQ(rl.remaining_requests, 9999);
  EXPECT_EQ(rl.remaining_tokens, 1999975);
  EXPECT_EQ(rl.reset_requests_ms, 6);
  EXPECT_EQ(rl.reset_tokens_ms, 360000);
}

TEST(RateLimitHeaders, BadAndNegativeValuesStayUnknown) {
  rate_limits rl;
  // Azure's Responses API sends -1 for limits it does not expose.
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-limit-tokens", "-1"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-remaining-tokens", "lots"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-reset-tokens", "0"));
  EXPECT_TRUE(apply_rate_limit_header(rl, "x-ratelimit-reset-requests", "soon"));
  EXPECT_EQ(rl.limit_tokens, -1);
  EXPECT_EQ(rl.remaining_tokens, -1);
  EXPECT_EQ(rl.reset_tokens_ms, 0);
  EXPECT_EQ(rl.reset_requests_ms, -1);
}

TEST(RateLimitHeaders, OtherHeadersAreNotOurs) {
  rate_limits rl;
  EXPECT_FALSE(apply_rate_limit_header(rl, "x-ratelimit-limit-tokens_usage_based", "5"));
  EXPECT_FALSE(apply_rate_limit_header(rl, "x-rate-limit-reset-tokens", "5s"));
  EXPECT_FALSE(apply_rate_limit_header(rl, "x-request-id", "req_1"));
  EXPECT_FALSE(apply_rate_limit_header(rl, "x-ratelimit-", "1"));
  EXPECT_EQ(rl.limit_tokens, -1);
  EXPECT_EQ(rl.reset_tokens_ms, -1);
}

}  // namespace
}  // namespace llmtap::openai
