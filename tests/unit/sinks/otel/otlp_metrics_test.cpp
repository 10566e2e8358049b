// The GenAI client metrics: which histograms a call feeds, with which attributes, the advisory
// buckets (inclusive upper bounds), cumulative totals, the versions' differences and the
// cardinality limit.
#include <gtest/gtest.h>

#include "otlp_fixtures.h"
#include "sinks/otel/otlp_metrics.h"

namespace llmtap::sinks::otlp {
namespace {

using test::attrs;
using test::streamed_chat;

const pb_metrics::Metric* find(const pb_metrics::ScopeMetrics& s, const std::string& name) {
  for (const auto& m : s.metrics())
    if (m.name() == name) return &m;
  return nullptr;
}

// The data point of `m` whose attribute `key` is `value` ("" = the attribute is absent).
const pb_metrics::HistogramDataPoint* point(const pb_metrics::Metric* m, const std::string& key,
                                            const std::string& value) {
  for (const auto& p : m->histogram().data_points()) {
    auto a = attrs(p);
    if (value.empty() ? a.count(key) == 0 : a.count(key) && a[key]->string_value() == value)
      return &p;
  }
  return nullptr;
}

TEST(OtlpMetrics, ACallFeedsEveryHistogramWithTheConventionsAttributes) {
  encode_options o;
  o.servers["default"] = {"api.openai.com", 443};
  metrics_aggregator m(o, 111);
  exchange x = streamed_chat();
  m.record(x);
  x.stream = false;  // a plain call: no first chunk
  x.t.first_token = 0;
  x.t.first_byte = x.t.accepted + 5'000'000;
  x.t.last_byte = x.t.accepted + 10'000'000;  // exactly 0.01 s: the first bucket
  x.usage.input_tokens = 4;                   // exactly the bound 4: the second bucket
  m.record(x);
  exchange failed = streamed_chat();
  failed.status = 500;
  failed.error_type = "server_error";
  failed.usage = {};
  failed.stream = false;
  m.record(failed);
  pb_metrics::ScopeMetrics scope;
  m.export_to(scope, 222);
  ASSERT_EQ(scope.metrics_size(), 4);

  const pb_metrics::Metric* duration = find(scope, "gen_ai.client.operation.duration");
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->unit(), "s");
  EXPECT_EQ(duration->histogram().aggregation_temporality(),
            pb_metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  ASSERT_EQ(duration->histogram().data_points_size(), 2);  // ok, and error.type=server_error
  const auto* ok = point(duration, "error.type", "");
  ASSERT_NE(ok, nullptr);
  auto a = attrs(*ok);
  EXPECT_EQ(a.size(), 6u);
  EXPECT_EQ(a["gen_ai.operation.name"]->string_value(), "chat");
  EXPECT_EQ(a["gen_ai.provider.name"]->string_value(), "openai");
  EXPECT_EQ(a["gen_ai.request.model"]->string_value(), "gpt-4o");
  EXPECT_EQ(a["gen_ai.response.model"]->string_value(), "gpt-4o-2024-08-06");
  EXPECT_EQ(a["server.address"]->string_value(), "api.openai.com");
  EXPECT_EQ(a["server.port"]->int_value(), 443);
  EXPECT_EQ(ok->count(), 2u);
  EXPECT_DOUBLE_EQ(ok->sum(), 0.41);
  EXPECT_DOUBLE_EQ(ok->min(), 0.01);
  EXPECT_DOUBLE_EQ(ok->max(), 0.4);
  EXPECT_EQ(ok->start_time_unix_nano(), 111u);
  EXPECT_EQ(ok->time_unix_nano(), 222u);
  ASSERT_EQ(ok->explicit_bounds_size(), 14);
  EXPECT_EQ(ok->bucket_counts_size(), 15);
  EXPECT_EQ(ok->bucket_counts(0), 1u);  // 0.01 in (-inf, 0.01]
  EXPECT_EQ(ok->bucket_counts(6), 1u);  // 0.4 in (0.32, 0.64]
  EXPECT_NE(point(duration, "error.type", "server_error"), nullptr);

  const pb_metrics::Metric* tokens = find(scope, "gen_ai.client.token.usage");
  ASSERT_NE(tokens, nullptr);
  EXPECT_EQ(tokens->unit(), "{token}");
  ASSERT_EQ(tokens->histogram().data_points_size(), 2);  // the failed call had no counts
  const auto* in = point(tokens, "gen_ai.token.type", "input");
  EXPECT_EQ(in->count(), 2u);
  EXPECT_DOUBLE_EQ(in->sum(), 1204);
  EXPECT_EQ(in->bucket_counts(1), 1u);  // 4 in (1, 4]
  EXPECT_EQ(attrs(*in).count("error.type"), 0u);
  EXPECT_DOUBLE_EQ(point(tokens, "gen_ai.token.type", "output")->sum(), 60);

  const pb_metrics::Metric* ttfc = find(scope, "gen_ai.client.operation.time_to_first_chunk");
  ASSERT_NE(ttfc, nullptr);
  ASSERT_EQ(ttfc->histogram().data_points_size(), 1);
  EXPECT_EQ(ttfc->histogram().data_points(0).count(), 1u);  // streams only
  EXPECT_DOUBLE_EQ(ttfc->histogram().data_points(0).sum(), 0.15);

  const pb_metrics::Metric* detail = find(scope, "llmtap.client.token.usage.detail");
  ASSERT_NE(detail, nullptr);
  EXPECT_DOUBLE_EQ(point(detail, "gen_ai.token.type", "cache_read")->sum(), 2048);
  EXPECT_DOUBLE_EQ(point(detail, "gen_ai.token.type", "reasoning")->sum(), 18);

  // Cumulative: a later export carries the same totals plus what came after.
  m.record(streamed_chat());
  pb_metrics::ScopeMetrics again;
  m.export_to(again, 333);
  EXPECT_EQ(point(find(again, "gen_ai.client.operation.duration"), "error.type", "")->count(), 3u);
  EXPECT_EQ(point(find(again, "gen_ai.client.operation.duration"), "error.type", "")
                ->start_time_unix_nano(),
            111u);
}

TEST(OtlpMetrics, OlderVersionsHaveNoTimeToFirstChunkAndTheOldProviderKey) {
  encode_options o;
  ASSERT_TRUE(parse_semconv("1.36", o.version));
  metrics_aggregator m(o, 1);
  m.record(streamed_chat());
  pb_metrics::ScopeMetrics scope;
  m.export_to(scope, 2);
  EXPECT_EQ(find(scope, "gen_ai.client.operation.time_to_first_chunk"), nullptr);
  auto a = attrs(find(scope, "gen_ai.client.operation.duration")->histogram().data_points(0));
  EXPECT_EQ(a["gen_ai.system"]->string_value(), "openai");
  EXPECT_EQ(a.count("gen_ai.provider.name"), 0u);
}

TEST(OtlpMetrics, PastTheCardinalityLimitCallsFoldIntoTheOverflowSet) {
  metrics_aggregator m(encode_options{}, 1);
  exchange x = streamed_chat();
  for (size_t i = 0; i < metrics_aggregator::kMaxSeries + 5; ++i) {
    x.model_requested = "model-" + std::to_string(i);
    m.record(x);
  }
  EXPECT_EQ(m.series_count(), metrics_aggregator::kMaxSeries + 1);
  pb_metrics::ScopeMetrics scope;
  m.export_to(scope, 2);
  const auto* overflow =
      point(find(scope, "gen_ai.client.operation.duration"), "gen_ai.operation.name", "");
  ASSERT_NE(overflow, nullptr);
  EXPECT_TRUE(attrs(*overflow)["otel.metric.overflow"]->bool_value());
  EXPECT_EQ(overflow->count(), 5u);
}

}  // namespace
}  // namespace llmtap::sinks::otlp
