#include "metrics/labels.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "metrics/call_facts.h"

namespace llmtap::metrics {
namespace {

TEST(Labels, AllowListParsesInOrderAndRejectsUnknownOrRepeated) {
  auto l = parse_labels({"env", "model", "upstream"});
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0], label::env);
  EXPECT_EQ(l[1], label::model);
  EXPECT_EQ(l[2], label::upstream);
  try {
    parse_labels({"model", "colour"});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown label \"colour\""), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("status_class"), std::string::npos);  // lists the known
  }
  EXPECT_THROW(parse_labels({"model", "model"}), std::invalid_argument);
  EXPECT_THROW(parse_labels({"api_key"}), std::invalid_argument);
  EXPECT_THROW(parse_labels({"user"}), std::invalid_argument);
  EXPECT_TRUE(parse_labels({}).empty());
}

TEST(Labels, SafeValuesAreViewedNotCopied) {
  std::string scratch;
  std::string_view v = "gpt-4o-mini";
  EXPECT_EQ(sanitize(v, scratch).data(), v.data());
}

TEST(Labels, InvalidUtf8AndControlCharactersBecomeQuestionMarks) {
  std::string scratch;
  EXPECT_EQ(sanitize("caf\xC3\xA9", scratch), "caf\xC3\xA9");  // valid UTF-8 kept
  EXPECT_EQ(sanitize("a\xFF"
                     "b",
                     scratch),
            "a?b");
  EXPECT_EQ(sanitize("a\nb\tc", scratch), "a?b?c");
  EXPECT_EQ(sanitize("\xC0\xAF", scratch), "??");            // overlong '/'
  EXPECT_EQ(sanitize("\xED\xA0\x80", scratch), "???");       // a surrogate
  EXPECT_EQ(sanitize("\xF4\x90\x80\x80", scratch), "????");  // above U+10FFFF
  EXPECT_EQ(sanitize("x\xE2\x82", scratch), "x??");          // cut sequence
}

TEST(Labels, LongValuesAreCutOnACharacterBoundary) {
  std::string scratch;
  std::string euros;
  for (int i = 0; i < 100; ++i) euros += "\xE2\x82\xAC";  // 300 bytes
  std::string_view v = sanitize(euros, scratch);
  EXPECT_EQ(v.size(), 126u);  // 42 whole euro signs fit in 128 bytes
  EXPECT_EQ(v, euros.substr(0, 126));
  EXPECT_EQ(sanitize(std::string(500, 'm'), scratch).size(), kMaxLabelValue);
}

TEST(CallFacts, ProviderStatusClassAndModel) {
  exchange x;
  x.path = "/v1/chat/completions";
  x.status = 200;
  x.model_served = "gpt-4o-mini-2024-07-18";
  EXPECT_STREQ(provider_of(x), "openai");
  EXPECT_STREQ(status_class_of(x), "2xx");
  EXPECT_EQ(model_of(x), "gpt-4o-mini-2024-07-18");
  x.model_requested = "gpt-4o-mini";
  EXPECT_EQ(model_of(x), "gpt-4o-mini");

  exchange az;
  az.path = "/openai/deployments/prod-4o/chat/completions";
  EXPECT_STREQ(provider_of(az), "azure");
  az.path = "/v1/chat/completions";
  az.deployment = "prod-4o";
  EXPECT_STREQ(provider_of(az), "azure");
  EXPECT_EQ(model_of(az), "prod-4o");

  exchange failed;
  failed.result = outcome::upstream_unreachable;
  EXPECT_STREQ(status_class_of(failed), "error");
  failed.status = 502;  // llmtap answered 502 itself: the client saw a 5xx
  EXPECT_STREQ(status_class_of(failed), "5xx");
}

TEST(CallFacts, ErrorTypes) {
  exchange ok;
  ok.status = 200;
  EXPECT_EQ(error_type_of(ok), "");
  exchange limited;
  limited.status = 429;
  EXPECT_EQ(error_type_of(limited), "429");
  limited.error_type = "insufficient_quota";
  EXPECT_EQ(error_type_of(limited), "insufficient_quota");
  exchange timeout;
  timeout.result = outcome::upstream_timeout;
  timeout.status = 504;
  EXPECT_EQ(error_type_of(timeout), "upstream_timeout");
  exchange in_band;
  in_band.status = 200;
  in_band.error_type = "server_error";
  EXPECT_EQ(error_type_of(in_band), "server_error");
  exchange gone;
  gone.status = 200;
  gone.result = outcome::client_aborted;
  EXPECT_EQ(error_type_of(gone), "");
}

TEST(CallFacts, DurationsInSeconds) {
  exchange x;
  x.t.accepted = 1'000'000'000;
  x.t.first_byte = 1'100'000'000;
  x.t.first_token = 1'250'000'000;
  x.t.last_byte = 3'000'000'000;
  x.inside_ns = 40'000;
  EXPECT_DOUBLE_EQ(duration_seconds(x), 2.0);
  EXPECT_DOUBLE_EQ(ttft_seconds(x), -1);  // not a stream
  x.stream = true;
  EXPECT_DOUBLE_EQ(ttft_seconds(x), 0.25);
  EXPECT_DOUBLE_EQ(overhead_seconds(x), 0.00004);
  exchange none;
  EXPECT_DOUBLE_EQ(duration_seconds(none), -1);
}

}  // namespace
}  // namespace llmtap::metrics
