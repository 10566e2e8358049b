// A caller's trace context from W3C traceparent and Datadog headers, and what is ignored.
#include "core/trace_headers.h"

#include <gtest/gtest.h>

namespace llmtap {
namespace {

TEST(trace_headers, w3c_traceparent) {
  trace_header_reader r;
  EXPECT_TRUE(r.observe("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  const trace_context t = r.result();
  EXPECT_TRUE(t.from_client);
  EXPECT_EQ(t.trace_id_hi, 0x4bf92f3577b34da6u);
  EXPECT_EQ(t.trace_id_lo, 0xa3ce929d0e0e4736u);
  EXPECT_EQ(t.parent_span_id, 0x00f067aa0ba902b7u);
  EXPECT_EQ(t.sampling_priority, 1);
  EXPECT_EQ(trace_id_hex(t), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(trace_headers, w3c_not_sampled_flag) {
  trace_header_reader r;
  r.observe("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  EXPECT_EQ(r.result().sampling_priority, 0);
}

TEST(trace_headers, malformed_traceparent_is_ignored) {
  for (const char* bad : {"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",  // zero trace
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",  // zero parent
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",  // version ff
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 extra
                          "00-4bf92f35", ""}) {
    trace_header_reader r;
    EXPECT_TRUE(r.observe("traceparent", bad));
    EXPECT_FALSE(r.result().valid()) << bad;
  }
}

TEST(trace_headers, datadog_headers_with_128_bit_id) {
  trace_header_reader r;
  EXPECT_TRUE(r.observe("x-datadog-trace-id", "1234567890123456789"));
  EXPECT_TRUE(r.observe("X-Datadog-Parent-Id", "987654321"));
  EXPECT_TRUE(r.observe("x-datadog-sampling-priority", "2"));
  EXPECT_TRUE(r.observe("x-datadog-tags", "_dd.p.dm=-1,_dd.p.tid=640cfd8d00000000"));
  EXPECT_FALSE(r.observe("x-request-id", "abc"));
  const trace_context t = r.result();
  EXPECT_EQ(t.trace_id_lo, 1234567890123456789u);
  EXPECT_EQ(t.trace_id_hi, 0x640cfd8d00000000u);
  EXPECT_EQ(t.parent_span_id, 987654321u);
  EXPECT_EQ(t.sampling_priority, 2);
}

TEST(trace_headers, traceparent_wins_over_datadog) {
  trace_header_reader r;
  r.observe("x-datadog-trace-id", "42");
  r.observe("traceparent", "00-0000000000000000000000000000002a-0000000000000007-01");
  EXPECT_EQ(r.result().parent_span_id, 7u);
  EXPECT_EQ(trace_id_hex(r.result(), true), "000000000000002a");
}

TEST(trace_headers, none_or_garbage_gives_no_context) {
  trace_header_reader r;
  r.observe("x-datadog-trace-id", "not-a-number");
  EXPECT_FALSE(r.result().valid());
  EXPECT_FALSE(r.result().from_client);
}

}  // namespace
}  // namespace llmtap
