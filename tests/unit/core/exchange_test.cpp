#include "core/exchange.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap {
namespace {

TEST(ExchangeEvents, KeepsFirstAndLastFour) {
  exchange x;
  for (int i = 0; i < 10; ++i) x.next_event_slot() = "e" + std::to_string(i);
  EXPECT_EQ(x.event_count, 10u);
  EXPECT_EQ(x.events[0], "e0");
  EXPECT_EQ(*x.recent_event(0), "e9");
  EXPECT_EQ(*x.recent_event(1), "e8");
  EXPECT_EQ(*x.recent_event(3), "e6");
  EXPECT_EQ(x.recent_event(4), nullptr);  // e5 fell out of the ring
  EXPECT_EQ(*x.recent_event(9), "e0");    // the first event is always kept
  EXPECT_EQ(x.recent_event(10), nullptr);
}

TEST(ExchangeEvents, FewerEventsThanRing) {
  exchange x;
  x.next_event_slot() = "a";
  x.next_event_slot() = "b";
  EXPECT_EQ(*x.recent_event(0), "b");
  EXPECT_EQ(*x.recent_event(1), "a");
  EXPECT_EQ(x.recent_event(2), nullptr);
}

TEST(Names, EndpointsAndOutcomes) {
  EXPECT_STREQ(to_string(endpoint::chat_completions), "chat.completions");
  EXPECT_STREQ(to_string(endpoint::other), "other");
  EXPECT_STREQ(to_string(outcome::upstream_timeout), "upstream_timeout");
  EXPECT_STREQ(to_string(usage_source::estimated), "estimated");
}

}  // namespace
}  // namespace llmtap
