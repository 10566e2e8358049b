#include "core/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eventually.h"

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

namespace llmtap {
namespace {

using namespace std::chrono_literals;

using llmtap::test_support::eventually;

TEST(BoundedQueue, AnIdleQueueLetsItsConsumerSleepUntilThePushThatEndsTheIdle) {
  bounded_queue<int> q(16, 4, 20ms);
  std::atomic<int> returns{0};
  std::vector<int> got;
  std::thread consumer([&] {
    std::vector<int> out;
    while (out.empty() && q.pop_batch(out, 10, 2ms)) returns.fetch_add(1);
    got = out;
  });
  ASSERT_TRUE(eventually([&] { return q.consumer_asleep(); }));
  const int before = returns.load();
  EXPECT_GE(before, 5);  // a few empty 2 ms waits came first (20 ms of idle)
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(returns.load(), before);  // asleep: no timed wake-ups
  EXPECT_TRUE(q.consumer_asleep());
  q.try_push(5);  // one item, below wake_at: it still wakes a sleeping consumer
  consumer.join();
  EXPECT_EQ(got, std::vector<int>{5});
  EXPECT_FALSE(q.consumer_asleep());
}

TEST(BoundedQueue, AConsumerWithPeriodicWorkKeepsItsTimedWaits) {
  bounded_queue<int> q(16, 1, 10ms);
  std::atomic<int> returns{0};
  std::atomic<bool> stop{false};
  std::thread consumer([&] {
    std::vector<int> out;
    while (!stop && q.pop_batch(out, 10, 2ms, /*may_sleep=*/false)) returns.fetch_add(1);
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(q.consumer_asleep());
  const int seen = returns.load();
  EXPECT_TRUE(eventually([&] { return returns.load() > seen + 5; }));
  stop = true;
  q.close();
  consumer.join();
}

TEST(BoundedQueue, ASleepingConsumerEndsWhenTheQueueCloses) {
  bounded_queue<int> q(4, 1, 5ms);
  std::atomic<bool> done{false};
  std::thread consumer([&] {
    std::vector<int> out;
    while (q.pop_batch(out, 10, 1ms)) {
    }
    done = true;
  });
  ASSERT_TRUE(eventually([&] { return q.consumer_asleep(); }));
  q.close();
  consumer.join();
  EXPECT_TRUE(done);
}

}  // namespace
}  // namespace llmtap
