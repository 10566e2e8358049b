#include "pipeline/ratelimit_state.h"

#include <gtest/gtest.h>

namespace llmtap::pipeline {
namespace {

exchange call(const char* key, const char* model, rate_limits l, int64_t wall_ms) {
  exchange x;
  x.upstream = "default";
  x.key_hash = key;
  x.key_label = std::string("sk-...") + key;
  x.model_served = model;
  x.limits = l;
  x.wall_start_unix_ns = wall_ms * 1'000'000;
  x.t.accepted = 1'000;
  x.t.first_byte = 1'000 + 5'000'000;  // the headers came 5 ms after the call started
  return x;
}

TEST(RatelimitState, LatestValuesPerKeyAndModelWithResetTimes) {
  ratelimit_state s;
  s.update(call("aaaa", "gpt-4o", {10000, 2000000, 9999, 1999975, 6, 60000}, 1'000'000));
  s.update(call("aaaa", "gpt-4o", {10000, 2000000, 9998, 1999950, 12, 1500}, 2'000'000));
  s.update(call("bbbb", "gpt-4o", {500, 30000, 499, 29000, 120, 2000}, 2'000'000));
  auto snap = s.snapshot();
  ASSERT_EQ(snap.size(), 2u);
  const auto& a = snap[0];
  EXPECT_EQ(a.key.key_hash, "aaaa");
  EXPECT_EQ(a.remaining_requests, 9998);
  EXPECT_EQ(a.remaining_tokens, 1999950);
  EXPECT_EQ(a.limit_tokens, 2000000);
  EXPECT_EQ(a.reset_requests_at_unix_ms, 2'000'000 + 5 + 12);
  EXPECT_EQ(a.reset_tokens_at_unix_ms, 2'000'000 + 5 + 1500);
  EXPECT_EQ(snap[1].limit_requests, 500);
}

TEST(RatelimitState, UnknownValuesDoNotEraseKnownOnes) {
  ratelimit_state s;
  s.update(call("aaaa", "gpt-4o", {100, 1000, 99, 990, 10, 10}, 1'000));
  // Azure style: only the remaining values, and -1 for the token limit.
  s.update(call("aaaa", "gpt-4o", {-1, -1, 98, -1, -1, -1}, 2'000));
  auto e = s.snapshot().at(0);
  EXPECT_EQ(e.limit_requests, 100);
  EXPECT_EQ(e.remaining_requests, 98);
  EXPECT_EQ(e.remaining_tokens, 990);
  // A response without any rate-limit header adds nothing.
  s.update(call("cccc", "gpt-4o", {}, 3'000));
  EXPECT_EQ(s.size(), 1u);
}

}  // namespace
}  // namespace llmtap::pipeline
