// The DogStatsD lines of a call: names, kinds, values and tags as Datadog's OpenAI integration
// sends them (dd-trace-py v2.21), llmtap's extra metrics, and the datagram packing.
#include "sinks/dogstatsd/metric_encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "alloc_counter.h"
#include "sinks/dogstatsd/datadog_facts.h"

namespace llmtap::sinks {
namespace {

constexpr int64_t kStart = 5'000'000'000;

exchange chat_call() {
  exchange x;
  x.method = "POST";
  x.path = "/v1/chat/completions";
  x.ep = endpoint::chat_completions;
  x.model_requested = "gpt-4o-mini";
  x.model_served = "gpt-4o-mini-2024-07-18";
  x.organization = "org-abc";
  x.organization_name = "acme";
  x.key_label = "sk-...abcd";
  x.service = "checkout";
  x.env = "prod";
  x.version = "1.2";
  x.status = 200;
  x.t.accepted = kStart;
  x.t.request_sent = kStart + 1'000'000;
  x.t.first_byte = kStart + 200'000'000;
  x.t.last_byte = kStart + 250'000'000;
  x.limits.limit_requests = 10000;
  x.limits.limit_tokens = 2000000;
  x.limits.remaining_requests = 9999;
  x.limits.remaining_tokens = 1999958;
  x.usage.input_tokens = 12;
  x.usage.output_tokens = 30;
  x.usage.total_tokens = 42;
  x.usage.cached_input_tokens = 0;
  x.usage.reasoning_tokens = 0;
  x.usage.source = usage_source::reported;
  x.cost_nano_usd = 19800;
  return x;
}

std::vector<std::string> lines_of(const exchange& x, metric_options o = {}) {
  metric_encoder enc(o);
  std::string out;
  size_t n = enc.append(x, out);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = out.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(out.substr(start, nl - start));
  EXPECT_EQ(start, out.size()) << "every line ends in a newline";
  EXPECT_EQ(n, lines.size());
  return lines;
}

const std::string kTags =
    "version:1.2,env:prod,service:checkout,openai.request.model:gpt-4o-mini,model:gpt-4o-mini,"
    "openai.request.endpoint:/v1/chat/"
    "completions,openai.request.method:POST,openai.organization.id:org-abc,"
    "openai.organization.name:acme,openai.user.api_key:sk-...abcd,error:0";

TEST(MetricEncoder, NonStreamedChatCallHasTheTracersMetricsAndTags) {
  std::vector<std::string> want = {
      "openai.ratelimit.requests:10000|g|#" + kTags,
      "openai.ratelimit.tokens:2000000|g|#" + kTags,
      "openai.ratelimit.remaining.requests:9999|g|#" + kTags,
      "openai.ratelimit.remaining.tokens:1999958|g|#" + kTags,
      "openai.tokens.prompt:12|d|#" + kTags + ",openai.estimated:false",
      "openai.tokens.completion:30|d|#" + kTags + ",openai.estimated:false",
      "openai.tokens.total:42|d|#" + kTags + ",openai.estimated:false",
      "openai.tokens.cached:0|d|#" + kTags + ",openai.estimated:false",
      "openai.tokens.reasoning:0|d|#" + kTags + ",openai.estimated:false",
      "openai.request.duration:250000000|d|#" + kTags,
      "openai.request.cost:0.0000198|d|#" + kTags,
  };
  EXPECT_EQ(lines_of(chat_call()), want);
}

TEST(MetricEncoder, StreamWithUsageChunkHasNoEstimatedTagAndATimeToFirstToken) {
  exchange x = chat_call();
  x.stream = true;
  x.stream_requested = true;
  x.t.first_token = kStart + 180'000'000;
  x.t.last_byte = kStart + 900'000'000;  // the stream ended here: that is the duration
  x.usage.cached_input_tokens = -1;
  x.usage.reasoning_tokens = -1;
  auto lines = lines_of(x);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(lines[4], "openai.tokens.prompt:12|d|#" + kTags);
  EXPECT_EQ(lines[5], "openai.tokens.completion:30|d|#" + kTags);
  EXPECT_EQ(lines[6], "openai.tokens.total:42|d|#" + kTags);
  EXPECT_EQ(lines[7], "openai.request.duration:900000000|d|#" + kTags);
  EXPECT_EQ(lines[8], "openai.request.time_to_first_token:180000000|d|#" + kTags);
  EXPECT_EQ(lines[9], "openai.request.cost:0.0000198|d|#" + kTags);
}

TEST(MetricEncoder, CountedUsageIsTaggedEstimated) {
  exchange x = chat_call();
  x.stream = true;
  x.usage.source = usage_source::estimated;
  x.usage.cached_input_tokens = -1;
  x.usage.reasoning_tokens = -1;
  auto lines = lines_of(x);
  EXPECT_EQ(lines[4], "openai.tokens.prompt:12|d|#" + kTags + ",openai.estimated:true");
  EXPECT_EQ(lines[6], "openai.tokens.total:42|d|#" + kTags + ",openai.estimated:true");
}

TEST(MetricEncoder, RateLimitedCallCountsAnErrorWithItsType) {
  exchange x = chat_call();
  x.status = 429;
  x.error_type = "requests";
  x.error_code = "rate_limit_exceeded";
  x.usage = {};
  x.cost_nano_usd = -1;
  x.limits.remaining_requests = 0;
  x.t.first_byte = kStart + 2'500'000;
  x.t.last_byte = kStart + 3'000'000;
  std::string tags = kTags.substr(0, kTags.size() - 1) + "1,error_type:openai.RateLimitError";
  std::vector<std::string> want = {
      "openai.ratelimit.requests:10000|g|#" + tags,
      "openai.ratelimit.tokens:2000000|g|#" + tags,
      "openai.ratelimit.remaining.requests:0|g|#" + tags,
      "openai.ratelimit.remaining.tokens:1999958|g|#" + tags,
      "openai.request.error:1|c|#" + tags,
      "openai.request.duration:3000000|d|#" + tags,
  };
  EXPECT_EQ(lines_of(x), want);
}

TEST(MetricEncoder, HighCardinalityTagsCanBeLeftOut) {
  auto lines = lines_of(chat_call(), metric_options{false});
  for (const auto& l : lines) {
    EXPECT_EQ(l.find("openai.user.api_key"), std::string::npos) << l;
    EXPECT_EQ(l.find("openai.organization"), std::string::npos) << l;
    EXPECT_NE(l.find("openai.request.model:gpt-4o-mini,model:gpt-4o-mini"), std::string::npos) << l;
  }
}

TEST(MetricEncoder, UnknownValuesAreLeftOutAndZeroTokenCountsSkipped) {
  exchange x = chat_call();
  x.ep = endpoint::embeddings;
  x.path = "/v1/embeddings";
  x.limits = {};
  x.usage = {};
  x.usage.input_tokens = 8;
  x.usage.output_tokens = 0;  // embeddings complete nothing
  x.usage.total_tokens = 8;
  x.usage.source = usage_source::reported;
  x.cost_nano_usd = -1;  // unpriced: no cost line at all, never a 0
  auto lines = lines_of(x);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("openai.tokens.prompt:8|d|", 0), 0u);
  EXPECT_EQ(lines[1].rfind("openai.tokens.total:8|d|", 0), 0u);
  EXPECT_EQ(lines[2].rfind("openai.request.duration:250000000|d|", 0), 0u);
}

TEST(MetricEncoder, TagValuesCannotBreakTheLineFormat) {
  exchange x = chat_call();
  x.model_requested = "evil|model,with\nnewline";
  x.service = "a,b";
  auto lines = lines_of(x);
  ASSERT_EQ(lines.size(), 11u);  // a newline in a value did not make another line
  EXPECT_NE(lines[0].find("service:a_b,"), std::string::npos);
  EXPECT_NE(
      lines[0].find("openai.request.model:evil_model_with_newline,model:evil_model_with_newline,"),
      std::string::npos);
}

TEST(MetricEncoder, AzureDeploymentIsTheModelWhenTheBodyNamedNone) {
  exchange x = chat_call();
  x.model_requested.clear();
  x.deployment = "prod-gpt4o";
  x.path = "/openai/deployments/prod-gpt4o/chat/completions";
  auto lines = lines_of(x);
  EXPECT_NE(lines[0].find("openai.request.model:prod-gpt4o,model:prod-gpt4o,openai.request."
                          "endpoint:/v1/chat/completions,"),
            std::string::npos);
}

// One encoder sees call after call: the tags of the previous call are reused only when every
// value behind them is the same, and a group only within the aggregator round it came from.
TEST(MetricEncoder, ConsecutiveCallsGetTheirOwnTagsAndGroups) {
  metric_encoder enc;
  line_aggregator agg;
  exchange a = chat_call();
  exchange b = chat_call();
  b.service = "billing";
  exchange c = chat_call();
  c.status = 429;
  c.error_type = "rate_limit_exceeded";
  for (const exchange* x : {&a, &b, &a, &c, &a}) enc.collect(*x, agg);
  std::string out;
  agg.take(out, 8192);
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = out.find(needle); at != std::string::npos; at = out.find(needle, at + 1)) ++n;
    return n;
  };
  // Three tag sets, each with its own duration line: a's three calls packed into one.
  EXPECT_EQ(count("openai.request.duration:"), 3u) << out;
  EXPECT_EQ(count("openai.request.duration:250000000:250000000:250000000|d|#" + kTags + "\n"), 1u)
      << out;
  EXPECT_EQ(count("openai.request.duration:250000000|d|#version:1.2,env:prod,service:billing,"), 1u)
      << out;
  EXPECT_NE(out.find("error:1,error_type:openai.RateLimitError"), std::string::npos) << out;
  // A new round: the same tags must be looked up again in the emptied aggregator.
  enc.collect(a, agg);
  std::string next;
  agg.take(next, 8192);
  EXPECT_NE(next.find("openai.request.duration:250000000|d|#" + kTags + "\n"), std::string::npos)
      << next;
  // The line format path (no aggregation) follows the changes too.
  std::string lines;
  enc.append(b, lines);
  enc.append(a, lines);
  EXPECT_NE(lines.find("service:billing"), std::string::npos);
  EXPECT_NE(lines.find("openai.request.duration:250000000|d|#" + kTags + "\n"), std::string::npos);
}

TEST(MetricEncoder, EncodingAllocatesNothingOnceWarm) {
  metric_encoder enc;
  exchange x = chat_call();
  std::string out;
  out.reserve(8192);
  enc.append(x, out);
  out.clear();
  size_t before = llmtap::test::allocation_count();
  for (int i = 0; i < 100; ++i) {
    out.clear();
    enc.append(x, out);
  }
  EXPECT_EQ(llmtap::test::allocation_count() - before, 0u);
}

TEST(Usd, PlainDecimalFromNanoUsd) {
  auto usd = [](int64_t n) {
    std::string s;
    append_usd(s, n);
    return s;
  };
  EXPECT_EQ(usd(0), "0");
  EXPECT_EQ(usd(1), "0.000000001");
  EXPECT_EQ(usd(15000), "0.000015");
  EXPECT_EQ(usd(1'500'000'000), "1.5");
  EXPECT_EQ(usd(12'345'678'901), "12.345678901");
  EXPECT_EQ(usd(2'000'000'000), "2");
}

TEST(ErrorType, WhatTheSdkWouldHaveRaised) {
  using datadog::error_type_of;
  exchange x = chat_call();
  EXPECT_STREQ(error_type_of(x), "");
  struct {
    uint16_t status;
    const char* type;
  } by_status[] = {
      {400, "openai.BadRequestError"},       {401, "openai.AuthenticationError"},
      {403, "openai.PermissionDeniedError"}, {404, "openai.NotFoundError"},
      {409, "openai.ConflictError"},         {422, "openai.UnprocessableEntityError"},
      {429, "openai.RateLimitError"},        {500, "openai.InternalServerError"},
      {503, "openai.InternalServerError"},   {413, "openai.APIStatusError"},
  };
  for (auto [status, type] : by_status) {
    x.status = status;
    EXPECT_STREQ(error_type_of(x), type) << status;
  }
  exchange t = chat_call();
  t.status = 502;
  t.t.first_byte = 0;
  t.result = outcome::upstream_unreachable;
  EXPECT_STREQ(error_type_of(t), "openai.APIConnectionError");
  t.status = 504;
  t.result = outcome::upstream_timeout;
  EXPECT_STREQ(error_type_of(t), "openai.APITimeoutError");
  exchange cut = chat_call();
  cut.stream = true;
  cut.result = outcome::upstream_disconnected;
  EXPECT_STREQ(error_type_of(cut), "httpx.RemoteProtocolError");
  cut.result = outcome::upstream_timeout;
  EXPECT_STREQ(error_type_of(cut), "httpx.ReadTimeout");
  exchange inband = chat_call();
  inband.error_type = "server_error";  // an error event inside a 200 stream
  EXPECT_STREQ(error_type_of(inband), "openai.APIError");
  exchange gone = chat_call();
  gone.result = outcome::client_aborted;  // the client stopped reading: the SDK raised nothing
  EXPECT_STREQ(error_type_of(gone), "");
}

TEST(DatagramPacker, WholeLinesUpToTheLimit) {
  datagram_packer p(40);
  std::vector<std::pair<std::string, size_t>> sent;
  auto send = [&](std::string_view d, size_t n) { sent.emplace_back(std::string(d), n); };
  std::string lines = std::string(15, 'a') + "\n" + std::string(15, 'b') + "\n" +
                      std::string(15, 'c') + "\n" + std::string(60, 'd') + "\n" +
                      std::string(5, 'e') + "\n";
  p.add(lines, send);
  p.flush(send);
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].first,
            std::string(15, 'a') + "\n" + std::string(15, 'b'));  // 31 bytes; a third would be 47
  EXPECT_EQ(sent[0].second, 2u);
  EXPECT_EQ(sent[1].first, std::string(15, 'c'));
  EXPECT_EQ(sent[2].first, std::string(60, 'd'));  // longer than the limit: alone, never split
  EXPECT_EQ(sent[3].first, "eeeee");
  for (const auto& [d, n] : sent) {
    if (n > 1) {
      EXPECT_LE(d.size(), 40u);
    }
  }
}

}  // namespace
}  // namespace llmtap::sinks
