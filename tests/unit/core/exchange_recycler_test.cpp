#include "core/exchange_recycler.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

namespace llmtap {
namespace {

exchange filled() {
  exchange x;
  x.id = 42;
  x.t.accepted = 7;
  x.method = "POST";
  x.path = "/v1/chat/completions/with/a/long/path";
  x.request_body.bytes.assign(3000, 'q');
  x.request_body.truncated = true;
  x.response_body.bytes.assign(2000, 'r');
  x.next_event_slot() = std::string(500, 'e');
  x.stream_content.bytes.assign(1000, 's');
  x.status = 429;
  x.stream = true;
  x.usage.input_tokens = 10;
  x.cost_nano_usd = 99;
  x.model_served = "gpt-4o-mini-2024-07-18";
  x.sampled = true;
  x.sample_input = std::string(100, 'i');
  x.trace.trace_id_lo = 5;
  x.result = outcome::client_aborted;
  x.wall_start_unix_ns = 11;
  x.inside_ns = 12;
  x.ep = endpoint::embeddings;
  x.retry_count = 2;
  x.request_bytes = 13;
  x.include_usage_injected = true;
  x.request_parsed = true;
  x.processing_ms = 14;
  x.limits.remaining_tokens = 15;
  x.response_bytes = 16;
  x.response_body.truncated = true;
  x.stream_content.truncated = true;
  x.stream_requested = true;
  x.include_usage_requested = true;
  x.t.last_byte = 17;
  return x;
}

TEST(ExchangeRecycler, ClearingResetsEveryFieldAndKeepsTheBuffers) {
  exchange x = filled();
  const size_t body_cap = x.request_body.bytes.capacity();
  const size_t path_cap = x.path.capacity();
  clear_keeping_buffers(x, 64 * 1024);
  const exchange fresh;
  EXPECT_EQ(x.id, fresh.id);
  EXPECT_EQ(x.t.accepted, 0);
  EXPECT_TRUE(x.method.empty());
  EXPECT_TRUE(x.path.empty());
  EXPECT_TRUE(x.request_body.bytes.empty());
  EXPECT_FALSE(x.request_body.truncated);
  EXPECT_TRUE(x.response_body.bytes.empty());
  EXPECT_EQ(x.event_count, 0u);
  for (const auto& e : x.events) EXPECT_TRUE(e.empty());
  EXPECT_TRUE(x.stream_content.bytes.empty());
  EXPECT_EQ(x.status, 0);
  EXPECT_FALSE(x.stream);
  EXPECT_EQ(x.usage.input_tokens, -1);
  EXPECT_EQ(x.cost_nano_usd, -1);
  EXPECT_TRUE(x.model_served.empty());
  EXPECT_FALSE(x.sampled);
  EXPECT_TRUE(x.sample_input.empty());
  EXPECT_FALSE(x.trace.valid());
  EXPECT_EQ(x.result, outcome::ok);
  EXPECT_EQ(x.wall_start_unix_ns, 0);
  EXPECT_EQ(x.inside_ns, 0);
  EXPECT_EQ(x.ep, endpoint::other);
  EXPECT_EQ(x.retry_count, -1);
  EXPECT_EQ(x.request_bytes, 0u);
  EXPECT_FALSE(x.include_usage_injected);
  EXPECT_FALSE(x.request_parsed);
  EXPECT_EQ(x.processing_ms, -1);
  EXPECT_EQ(x.limits.remaining_tokens, -1);
  EXPECT_EQ(x.response_bytes, 0u);
  EXPECT_FALSE(x.response_body.truncated);
  EXPECT_FALSE(x.stream_content.truncated);
  EXPECT_FALSE(x.stream_requested);
  EXPECT_FALSE(x.include_usage_requested);
  EXPECT_EQ(x.t.last_byte, 0);
  // The point of recycling: the next call reuses the memory.
  EXPECT_EQ(x.request_body.bytes.capacity(), body_cap);
  EXPECT_EQ(x.path.capacity(), path_cap);
  EXPECT_GE(x.events[0].capacity(), 500u);
}

TEST(ExchangeRecycler, BuffersAboveTheLimitAreFreed) {
  exchange x = filled();
  x.response_body.bytes.assign(200'000, 'r');  // over kRecycleKeepBytes
  clear_keeping_buffers(x, 64 * 1024);
  EXPECT_TRUE(x.response_body.bytes.empty());
  EXPECT_LT(x.response_body.bytes.capacity(), 64u * 1024);
  EXPECT_GE(x.request_body.bytes.capacity(), 3000u);  // small ones stay
}

TEST(ExchangeRecycler, AGivenBackExchangeComesBackCleared) {
  auto a = take_exchange();
  *a = filled();
  exchange* raw = a.get();
  {
    std::shared_ptr<const exchange> shared(a.release(), exchange_recycler{});
  }  // the last holder lets go: back to the free list
  auto b = take_exchange();
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(b->id, 0u);
  EXPECT_TRUE(b->request_body.bytes.empty());
  EXPECT_GE(b->request_body.bytes.capacity(), 3000u);
}

TEST(ExchangeRecycler, ManyThreadsTakeAndGiveBack) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([] {
      for (int i = 0; i < 2000; ++i) {
        auto x = take_exchange();
        EXPECT_TRUE(x->path.empty());
        x->path = "/v1/embeddings/some/longer/path";
        x->id = static_cast<uint64_t>(i);
        recycle_exchange(x.release());
      }
    });
  }
  for (auto& t : threads) t.join();
  // More exchanges than the free list keeps are freed, not leaked (the sanitizer build checks).
  std::vector<std::unique_ptr<exchange>> many;
  for (size_t i = 0; i < kRecycleMax + 10; ++i) many.push_back(take_exchange());
  for (auto& x : many) recycle_exchange(x.release());
  // After a burst, the list is cut down to what the next calls need.
  EXPECT_EQ(trim_recycled(8), kRecycleMax - 8);
  EXPECT_EQ(trim_recycled(8), 0u);
}

}  // namespace
}  // namespace llmtap
