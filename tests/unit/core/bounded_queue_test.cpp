#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace llmtap {
namespace {

TEST(BoundedQueue, DropsWhenFullAndCounts) {
  bounded_queue<int> q(2);
  EXPECT_TRUE(q.try_push(1));
  EXPECT_TRUE(q.try_push(2));
  EXPECT_FALSE(q.try_push(3));
  EXPECT_EQ(q.dropped(), 1u);
  std::vector<int> out;
  EXPECT_TRUE(q.pop_batch(out, 10, std::chrono::milliseconds(1)));
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
  EXPECT_EQ(q.popped(), 2u);
}

TEST(BoundedQueue, CloseDrainsThenEnds) {
  bounded_queue<int> q(4);
  q.try_push(7);
  q.close();
  EXPECT_FALSE(q.try_push(8));
  std::vector<int> out;
  EXPECT_TRUE(q.pop_batch(out, 10, std::chrono::milliseconds(1)));
  EXPECT_EQ(out, std::vector<int>{7});
  out.clear();
  EXPECT_FALSE(q.pop_batch(out, 10, std::chrono::milliseconds(1)));
  EXPECT_TRUE(out.empty());
}

TEST(BoundedQueue, ConsumerWakesOnPush) {
  bounded_queue<int> q(4);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.try_push(42);
  });
  std::vector<int> out;
  EXPECT_TRUE(q.pop_batch(out, 1, std::chrono::seconds(5)));
  producer.join();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], 42);
}

}  // namespace
}  // namespace llmtap

namespace llmtap {
namespace {

TEST(BoundedQueue, BelowWakeThresholdTheConsumerWaitsOutItsPeriod) {
  bounded_queue<int> q(16, 4);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    q.try_push(1);  // one item: no wake-up; the consumer finds it when its wait ends
  });
  std::vector<int> out;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(q.pop_batch(out, 10, std::chrono::milliseconds(200)));
  auto waited = std::chrono::steady_clock::now() - t0;
  producer.join();
  EXPECT_EQ(out, std::vector<int>{1});
  EXPECT_GE(waited, std::chrono::milliseconds(150));
}

TEST(BoundedQueue, ReachingWakeThresholdWakesTheConsumer) {
  bounded_queue<int> q(16, 2);
  std::thread producer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    q.try_push(1);
    q.try_push(2);
  });
  std::vector<int> out;
  EXPECT_TRUE(q.pop_batch(out, 10, std::chrono::seconds(10)));
  producer.join();
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace llmtap
