// When llmtap gives freed heap memory back: after a burst of connections has closed, not while
// traffic is steady.
#include "app/memory_release.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "eventually.h"

namespace llmtap {
namespace {

using namespace std::chrono_literals;

TEST(MemoryRelease, TrimsEachTimeABurstHasHalvedAgain) {
  memory_release::rule r{64};
  for (size_t open : {0, 10, 500, 1000, 900, 600}) EXPECT_FALSE(r.check(open)) << open;
  EXPECT_TRUE(r.check(400));   // at or below half of the peak of 1000
  EXPECT_FALSE(r.check(300));  // the peak is now 400
  EXPECT_TRUE(r.check(150));
  EXPECT_FALSE(r.check(100));  // peak 150: 100 is more than half
  EXPECT_TRUE(r.check(0));
  EXPECT_FALSE(r.check(0));  // nothing has happened since
}

TEST(MemoryRelease, SteadyOrSmallTrafficNeverTrims) {
  memory_release::rule r{64};
  for (int i = 0; i < 1000; ++i) EXPECT_FALSE(r.check(static_cast<size_t>(16 + i % 3)));
  memory_release::rule small{64};
  for (size_t open : {0, 40, 63, 0, 50, 0}) EXPECT_FALSE(small.check(open)) << open;
}

TEST(MemoryRelease, TheThreadTrimsAfterTheDropAndStopsPromptly) {
  std::atomic<size_t> open{0};
  memory_release m([&] { return open.load(); }, {10ms, 64});
  m.start();
  open = 1000;
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(m.trims(), 0u);
  open = 0;
  test_support::eventually([&] { return m.trims() != 0; }, 1s);
  EXPECT_EQ(m.trims(), 1u);
  auto t0 = std::chrono::steady_clock::now();
  m.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
}  // namespace llmtap
