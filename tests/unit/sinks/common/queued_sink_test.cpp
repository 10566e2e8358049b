// The sink thread's schedule: batches reach deliver(), tick() runs every flush interval while it
// holds data, and an idle sink with nothing held sleeps until the next call (no wake-ups).
#include "sinks/common/queued_sink.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>

#include "eventually.h"

namespace llmtap::sinks {
namespace {

using namespace std::chrono_literals;

using llmtap::test_support::eventually;

class counting_sink : public queued_sink {
 public:
  explicit counting_sink(bool holds_data) : queued_sink(64, 5ms, 16), holds_data_(holds_data) {}
  ~counting_sink() override { stop(1s); }
  const char* name() const override { return "counting"; }
  std::string target() const override { return "memory"; }
  check_result check() override { return {true, "ok"}; }
  std::atomic<int> delivered{0}, ticks{0};

 protected:
  void deliver(std::vector<item>& batch) override {
    delivered.fetch_add(static_cast<int>(batch.size()));
  }
  bool tick(bool) override {
    ticks.fetch_add(1);
    return holds_data_;
  }

 private:
  bool holds_data_;
};

std::shared_ptr<const exchange> a_call() {
  return std::make_shared<exchange>();
}

TEST(QueuedSink, AnIdleSinkSleepsUntilTheNextCallAndThenDeliversIt) {
  counting_sink s(false);
  s.start();
  s.offer(a_call());
  ASSERT_TRUE(eventually([&] { return s.delivered.load() == 1; }));
  // A quarter second of nothing (bounded_queue::kIdleAfter), then no more ticks.
  ASSERT_TRUE(eventually([&] { return s.asleep(); }));
  const int ticks = s.ticks.load();
  EXPECT_GE(ticks, 10);  // the 5 ms ticks before it went to sleep
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(s.ticks.load(), ticks);
  s.offer(a_call());
  EXPECT_TRUE(eventually([&] { return s.delivered.load() == 2; }));
  EXPECT_FALSE(s.asleep());
}

TEST(QueuedSink, ASinkHoldingDataForALaterTickKeepsTicking) {
  counting_sink s(true);
  s.start();
  s.offer(a_call());
  ASSERT_TRUE(eventually([&] { return s.delivered.load() == 1; }));
  std::this_thread::sleep_for(400ms);  // longer than kIdleAfter
  EXPECT_FALSE(s.asleep());
  const int ticks = s.ticks.load();
  EXPECT_TRUE(eventually([&] { return s.ticks.load() >= ticks + 10; }));
}

}  // namespace
}  // namespace llmtap::sinks
