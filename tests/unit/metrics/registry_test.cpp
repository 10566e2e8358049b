#include "metrics/registry.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace llmtap::metrics {
namespace {

exchange call(const char* model, uint16_t status, int64_t in, int64_t out) {
  exchange x;
  x.path = "/v1/chat/completions";
  x.ep = endpoint::chat_completions;
  x.model_requested = model;
  x.service = "billing";
  x.env = "prod";
  x.status = status;
  x.key_label = "sk-...abcd";
  x.t.accepted = 1'000'000'000;
  x.t.first_byte = 1'300'000'000;
  x.t.last_byte = 1'500'000'000;
  x.inside_ns = 50'000;
  x.usage.input_tokens = in;
  x.usage.output_tokens = out;
  x.usage.total_tokens = in + out;
  x.usage.source = usage_source::reported;
  x.cost_nano_usd = 1'500;
  return x;
}

std::string render(const registry& r) {
  std::string out;
  r.render(out);
  return out;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Registry, CountsTokensCostAndDurationsPerLabelSet) {
  registry r({});
  // As the pipeline does: offer() records in place.
  EXPECT_TRUE(r.offer(std::make_shared<exchange>(call("gpt-4o-mini", 200, 10, 5))));
  exchange cached = call("gpt-4o-mini", 200, 100, 20);
  cached.usage.cached_input_tokens = 64;
  cached.usage.reasoning_tokens = 12;
  r.offer(std::make_shared<exchange>(std::move(cached)));
  r.offer(std::make_shared<exchange>(call("gpt-4o", 200, 7, 3)));
  std::string m = render(r);
  const std::string l =
      R"(model="gpt-4o-mini",endpoint="chat.completions",provider="openai",service="billing",env="prod",status_class="2xx")";
  EXPECT_TRUE(has(m, "llmtap_requests_total{" + l + "} 2")) << m;
  EXPECT_TRUE(has(m, "llmtap_tokens_total{" + l + ",type=\"input\"} 110")) << m;
  EXPECT_TRUE(has(m, "llmtap_tokens_total{" + l + ",type=\"output\"} 25")) << m;
  EXPECT_TRUE(has(m, "llmtap_tokens_total{" + l + ",type=\"cached\"} 64")) << m;
  EXPECT_TRUE(has(m, "llmtap_tokens_total{" + l + ",type=\"reasoning\"} 12")) << m;
  EXPECT_TRUE(has(m, "llmtap_cost_usd_total{" + l + "} 3e-06")) << m;
  EXPECT_TRUE(has(m, "llmtap_request_duration_seconds_bucket{" + l + ",le=\"0.32\"} 0")) << m;
  EXPECT_TRUE(has(m, "llmtap_request_duration_seconds_bucket{" + l + ",le=\"0.64\"} 2")) << m;
  EXPECT_TRUE(has(m, "llmtap_request_duration_seconds_sum{" + l + "} 1")) << m;
  EXPECT_TRUE(has(m, "llmtap_overhead_seconds_count{" + l + "} 2")) << m;
  EXPECT_TRUE(has(
      m,
      "llmtap_requests_total{" +
          std::string(
              R"(model="gpt-4o",endpoint="chat.completions",provider="openai",service="billing",env="prod",status_class="2xx")") +
          "} 1"))
      << m;
  // No stream yet: no time-to-first-token series; the key is not a label by default.
  EXPECT_EQ(m.find("llmtap_time_to_first_token_seconds_bucket"), std::string::npos);
  EXPECT_EQ(m.find("sk-"), std::string::npos);
  EXPECT_EQ(r.counters().received.load(), 3u);
  EXPECT_EQ(r.counters().sent.load(), 3u);
}

// The registry remembers the last label set's series: alternating label sets must still each
// count their own calls, and over the cap a remembered series is still found.
TEST(Registry, AlternatingLabelSetsCountApart) {
  registry_options o;
  o.max_series = 2;
  registry r(o);
  for (const char* m : {"a", "b", "a", "a", "b", "c", "a"})
    r.offer(std::make_shared<exchange>(call(m, 200, 1, 1)));
  std::string text = render(r);
  auto requests = [&](const char* m) {
    return "llmtap_requests_total{model=\"" + std::string(m) +
           R"(",endpoint="chat.completions",provider="openai",service="billing",env="prod",status_class="2xx"})";
  };
  EXPECT_TRUE(has(text, requests("a") + " 4")) << text;
  EXPECT_TRUE(has(text, requests("b") + " 2")) << text;
  EXPECT_EQ(text.find("model=\"c\""), std::string::npos) << text;  // over the cap of 2
  EXPECT_EQ(r.counters().dropped.load(), 1u);
}

TEST(Registry, StreamsHaveTimeToFirstToken) {
  registry r({{"model"}});
  exchange s = call("gpt-4o", 200, 3, 4);
  s.stream = true;
  s.t.first_token = s.t.accepted + 150'000'000;
  r.record(s);
  std::string m = render(r);
  EXPECT_TRUE(has(m, R"(llmtap_time_to_first_token_seconds_bucket{model="gpt-4o",le="0.16"} 1)"))
      << m;
  EXPECT_TRUE(has(m, R"(llmtap_time_to_first_token_seconds_count{model="gpt-4o"} 1)")) << m;
}

TEST(Registry, ErrorsByTypeAndStatusClass) {
  registry r({{"model", "status_class"}});
  exchange limited = call("gpt-4o", 429, -1, -1);
  limited.usage = {};
  limited.cost_nano_usd = -1;
  limited.error_type = "rate_limit_exceeded";
  r.record(limited);
  r.record(limited);
  exchange down = call("gpt-4o", 0, -1, -1);
  down.usage = {};
  down.result = outcome::upstream_unreachable;
  r.record(down);
  std::string m = render(r);
  EXPECT_TRUE(has(
      m,
      R"(llmtap_errors_total{model="gpt-4o",status_class="4xx",error_type="rate_limit_exceeded"} 2)"))
      << m;
  EXPECT_TRUE(has(
      m,
      R"(llmtap_errors_total{model="gpt-4o",status_class="error",error_type="upstream_unreachable"} 1)"))
      << m;
  EXPECT_TRUE(has(m, R"(llmtap_requests_total{model="gpt-4o",status_class="4xx"} 2)")) << m;
  // An error with no usage is not "unpriced": there was nothing to price.
  EXPECT_TRUE(has(m, R"(llmtap_unpriced_requests_total{model="gpt-4o",status_class="4xx"} 0)"))
      << m;
}

TEST(Registry, UnpricedCallsAddNoCostAndAreCounted) {
  registry r({{"model"}});
  exchange x = call("my-finetune", 200, 10, 10);
  x.cost_nano_usd = -1;
  r.record(x);
  std::string m = render(r);
  EXPECT_TRUE(has(m, R"(llmtap_unpriced_requests_total{model="my-finetune"} 1)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_cost_usd_total{model="my-finetune"} 0)")) << m;
}

TEST(Registry, RateLimitGaugesKeepTheLastKnownValue) {
  registry r({{"model", "status_class"}});
  exchange a = call("gpt-4o", 200, 1, 1);
  a.limits.limit_requests = 500;
  a.limits.remaining_requests = 499;
  a.limits.remaining_tokens = 29000;
  r.record(a);
  exchange b = call("gpt-4o", 429, 1, 1);
  b.limits.remaining_requests = 0;  // the others absent from this response
  r.record(b);
  std::string m = render(r);
  // status_class is not a rate-limit label: both responses update one series.
  EXPECT_TRUE(has(m, R"(llmtap_ratelimit_limit{model="gpt-4o",kind="requests"} 500)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_ratelimit_remaining{model="gpt-4o",kind="requests"} 0)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_ratelimit_remaining{model="gpt-4o",kind="tokens"} 29000)")) << m;
  EXPECT_EQ(m.find("llmtap_ratelimit_limit{model=\"gpt-4o\",kind=\"tokens\"}"), std::string::npos);
}

TEST(Registry, ApiKeyLabelOnlyWhenEnabledAndUserLabelIsRefused) {
  registry_options o;
  o.labels = {"model"};
  o.api_key_label = true;
  registry r(o);
  r.record(call("gpt-4o", 200, 1, 1));
  EXPECT_TRUE(has(render(r), R"(llmtap_requests_total{model="gpt-4o",api_key="sk-...abcd"} 1)"));
  registry_options u;
  u.user_label = true;
  EXPECT_THROW(registry{u}, std::invalid_argument);
  registry_options bad;
  bad.labels = {"model", "tenant"};
  EXPECT_THROW(registry{bad}, std::invalid_argument);
}

TEST(Registry, SeriesCapCountsOverflowPerGroup) {
  registry_options o;
  o.labels = {"model"};
  o.max_series = 2;
  registry r(o);
  for (const char* m : {"a", "b", "c", "a", "d"}) {
    exchange x = call(m, 500, 1, 1);
    x.limits.remaining_requests = 1;
    r.record(x);
  }
  std::string m = render(r);
  EXPECT_TRUE(has(m, R"(llmtap_requests_total{model="a"} 2)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_requests_total{model="b"} 1)")) << m;
  EXPECT_EQ(m.find("model=\"c\""), std::string::npos) << m;
  EXPECT_TRUE(has(m, R"(llmtap_metrics_series_overflow_total{group="calls"} 2)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_metrics_series_overflow_total{group="errors"} 2)")) << m;
  EXPECT_TRUE(has(m, R"(llmtap_metrics_series_overflow_total{group="ratelimit"} 2)")) << m;
  EXPECT_EQ(r.counters().dropped.load(), 2u);
}

TEST(Registry, HostileModelNamesStayValidText) {
  registry r({{"model"}});
  r.record(call("evil\"}\nllmtap_fake 1\xFF", 200, 1, 1));
  std::string m = render(r);
  EXPECT_TRUE(has(m, R"(llmtap_requests_total{model="evil\"}?llmtap_fake 1?"} 1)")) << m;
}

TEST(Registry, RecordAndRenderFromTwoThreads) {
  registry r({});
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) r.record(call(i % 2 ? "a" : "b", 200, 1, 1));
  });
  size_t scrapes = 0;
  for (int i = 0; i < 50; ++i) scrapes += render(r).empty() ? 0 : 1;
  writer.join();
  EXPECT_EQ(scrapes, 50u);
  EXPECT_NE(render(r).find("} 1000\n"), std::string::npos);
}

// promtool (Debian's prometheus package, installed by scripts/setup.sh) lints the exposition.
TEST(Registry, PromtoolCheckMetricsAcceptsTheOutput) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "no promtool";
  registry_options o;
  o.api_key_label = true;
  registry r(o);
  exchange s = call("gpt-4o", 200, 5, 5);
  s.stream = true;
  s.t.first_token = s.t.accepted + 1'000'000;
  s.limits.remaining_tokens = 100;
  r.record(s);
  exchange e = call("gpt-4o", 503, -1, -1);
  r.record(e);
  std::string path = ::testing::TempDir() + "llmtap_metrics.txt";
  std::ofstream(path) << render(r);
  std::string cmd = "promtool check metrics < " + path + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string said;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) said.append(buf, n);
  int rc = ::pclose(p);
  EXPECT_EQ(rc, 0) << said;
  EXPECT_EQ(said, "") << said;
}

}  // namespace
}  // namespace llmtap::metrics
