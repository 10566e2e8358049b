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
