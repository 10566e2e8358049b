#include "metrics/prometheus_text.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace llmtap::metrics {
namespace {

TEST(PrometheusText, LabelValuesEscapeBackslashQuoteAndLineFeed) {
  std::string out;
  append_label(out, "model", "a\\b\"c\nd");
  EXPECT_EQ(out, R"(model="a\\b\"c\nd")");
}

TEST(PrometheusText, HelpEscapesBackslashAndLineFeedButNotQuotes) {
  std::string out;
  append_family_header(out, "x_total", metric_type::counter, "say \"hi\"\\ now\nthen");
  EXPECT_EQ(out, "# HELP x_total say \"hi\"\\\\ now\\nthen\n# TYPE x_total counter\n");
}

TEST(PrometheusText, ValuesAreGoParsable) {
  std::string out;
  append_value(out, 0.01);
  out += ' ';
  append_value(out, 1e-05);
  out += ' ';
  append_value(out, 42.0);
  out += ' ';
  append_value(out, uint64_t{18446744073709551615u});
  out += ' ';
  append_value(out, 1.0 / 0.0);
  out += ' ';
  append_value(out, -1.0 / 0.0);
  EXPECT_EQ(out, "0.01 1e-05 42 18446744073709551615 +Inf -Inf");
}

TEST(PrometheusText, SampleBracesOnlyWithLabels) {
  std::string out;
  append_sample(out, "a_total", "", "", uint64_t{3});
  append_sample(out, "b_total", "x=\"1\"", "", uint64_t{4});
  append_sample(out, "c_total", "", "type=\"input\"", uint64_t{5});
  append_sample(out, "d_total", "x=\"1\"", "type=\"input\"", 0.5);
  EXPECT_EQ(out,
            "a_total 3\nb_total{x=\"1\"} 4\nc_total{type=\"input\"} 5\n"
            "d_total{x=\"1\",type=\"input\"} 0.5\n");
}

// The OTel GenAI advice (semantic-conventions gen-ai-metrics.md, ExplicitBucketBoundaries of
// gen_ai.client.operation.duration and gen_ai.client.operation.time_to_first_chunk).
TEST(PrometheusText, GenAiBucketsAreTheOtelAdvice) {
  const std::array<double, 14> otel = {0.01, 0.02, 0.04, 0.08,  0.16,  0.32,  0.64,
                                       1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92};
  EXPECT_EQ(genai_duration_buckets().bounds, otel);
  EXPECT_EQ(genai_duration_buckets().le.front(), "le=\"0.01\"");
  EXPECT_EQ(genai_duration_buckets().le.back(), "le=\"+Inf\"");
  for (size_t i = 0; i < 14; ++i)
    EXPECT_DOUBLE_EQ(overhead_buckets().bounds[i] * 1000, otel[i]) << i;
}

TEST(PrometheusText, HistogramIsCumulativeAndABoundBelongsToItsBucket) {
  const bucket_layout& b = genai_duration_buckets();
  histogram_values h;
  h.observe(b, 0.005);  // below the first bound
  h.observe(b, 0.01);   // equal to the first bound: le="0.01"
  h.observe(b, 0.05);   // le="0.08"
  h.observe(b, 100);    // above every bound: only +Inf
  EXPECT_EQ(h.count(), 4u);
  std::string out;
  append_histogram(out, "d_seconds", "m=\"x\"", b, h);
  EXPECT_NE(out.find("d_seconds_bucket{m=\"x\",le=\"0.01\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_bucket{m=\"x\",le=\"0.04\"} 2\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_bucket{m=\"x\",le=\"0.08\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_bucket{m=\"x\",le=\"81.92\"} 3\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_bucket{m=\"x\",le=\"+Inf\"} 4\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_sum{m=\"x\"} 100.065\n"), std::string::npos) << out;
  EXPECT_NE(out.find("d_seconds_count{m=\"x\"} 4\n"), std::string::npos) << out;
  // 15 bucket lines, then _sum and _count.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 17);
}

TEST(PrometheusText, HistogramWithoutLabels) {
  histogram_values h;
  h.observe(overhead_buckets(), 0.00003);
  std::string out;
  append_histogram(out, "o_seconds", "", overhead_buckets(), h);
  EXPECT_NE(out.find("o_seconds_bucket{le=\"1e-05\"} 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("o_seconds_bucket{le=\"4e-05\"} 1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("o_seconds_sum 3e-05\no_seconds_count 1\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace llmtap::metrics
