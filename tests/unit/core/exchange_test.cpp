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
  EXPECT_EQ(x.recent_event(0)->bytes, "e9");
  EXPECT_EQ(x.recent_event(1)->bytes, "e8");
  EXPECT_EQ(x.recent_event(3)->bytes, "e6");
  EXPECT_FALSE(x.recent_event(4));            // e5 fell out of the ring
  EXPECT_EQ(x.recent_event(9)->bytes, "e0");  // the first event is always kept
  EXPECT_TRUE(x.recent_event(9)->first);
  EXPECT_FALSE(x.recent_event(0)->first);
  EXPECT_FALSE(x.recent_event(10));
}

// After the first token the worker appends each event to stream_content and points the slot
// there instead of copying it again.
TEST(ExchangeEvents, SlotsCanPointIntoStreamContent) {
  exchange x;
  x.stream_content.bytes.reserve(256);
  EXPECT_FALSE(x.place_last_event_in_content(0, 0));  // no event yet
  x.next_event_slot() = "first";
  EXPECT_FALSE(x.place_last_event_in_content(0, 5));  // the first event stays in events[0]
  for (int i = 1; i < 7; ++i) {
    std::string& slot = x.next_event_slot();
    if (i % 2 == 0) {  // even events go into stream_content only
      const size_t at = x.stream_content.bytes.size();
      x.stream_content.bytes += "c" + std::to_string(i) + kRecordSeparator;
      EXPECT_TRUE(x.place_last_event_in_content(at, 2));
    } else {
      slot = "s" + std::to_string(i);
    }
  }
  EXPECT_EQ(x.recent_event(0)->bytes, "c6");
  EXPECT_EQ(x.recent_event(1)->bytes, "s5");
  EXPECT_EQ(x.recent_event(2)->bytes, "c4");
  EXPECT_EQ(x.recent_event(3)->bytes, "s3");
  EXPECT_FALSE(x.recent_event(4));
  EXPECT_EQ(x.recent_event(6)->bytes, "first");
  // Offsets are 32-bit: a range past 4 GB is refused, and the slot keeps what it had.
  EXPECT_FALSE(x.place_last_event_in_content(UINT32_MAX, 2));
  EXPECT_FALSE(x.place_last_event_in_content(0, size_t{UINT32_MAX} + 1));
  EXPECT_EQ(x.recent_event(0)->bytes, "c6");
  // What may be read from an event in stream_content runs to the end of that buffer.
  EXPECT_EQ(x.recent_event(0)->readable, x.stream_content.bytes.capacity() - 6);
  // A slot reused by a copied event forgets the place it had.
  x.next_event_slot() = "s7";  // takes the slot of event 3
  x.next_event_slot() = "s8";  // takes the slot of event 4, which was in stream_content
  EXPECT_EQ(x.recent_event(0)->bytes, "s8");
  EXPECT_EQ(x.recent_event(1)->bytes, "s7");
  EXPECT_EQ(x.recent_event(2)->bytes, "c6");
}

TEST(ExchangeEvents, FewerEventsThanRing) {
  exchange x;
  x.next_event_slot() = "a";
  x.next_event_slot() = "b";
  EXPECT_EQ(x.recent_event(0)->bytes, "b");
  EXPECT_EQ(x.recent_event(1)->bytes, "a");
  EXPECT_FALSE(x.recent_event(2));
}

TEST(Names, EndpointsAndOutcomes) {
  EXPECT_STREQ(to_string(endpoint::chat_completions), "chat.completions");
  EXPECT_STREQ(to_string(endpoint::other), "other");
  EXPECT_STREQ(to_string(outcome::upstream_timeout), "upstream_timeout");
  EXPECT_STREQ(to_string(usage_source::estimated), "estimated");
}

}  // namespace
}  // namespace llmtap
