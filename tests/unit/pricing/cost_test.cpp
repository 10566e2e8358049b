// Costs against values computed by hand from ../shared/reference/openai-api.md §6.1 (USD per 1M
// tokens). One token at P USD per 1M costs P x 1000 nano-USD, so every line below is
// tokens x (P x 1000). Cached tokens are part of input, reasoning part of output.
#include "test_support.h"

namespace llmtap::pricing::test {
namespace {

// Whether `model` with usage `u` is priced at `nano` nano-USD under the table entry `priced_as`.
::testing::AssertionResult costs(std::string_view model, const token_usage& u, int64_t nano,
                                 std::string_view priced_as, bool batch = false) {
  const cost_result r = cost(model, u, batch);
  if (!r.priced) return ::testing::AssertionFailure() << model << " is unpriced: " << r.reason;
  if (r.nano_usd != nano)
    return ::testing::AssertionFailure()
           << model << ": " << r.nano_usd << " nano-USD, not " << nano;
  if (r.priced_as != priced_as)
    return ::testing::AssertionFailure()
           << model << " priced as " << r.priced_as << ", not " << priced_as;
  return ::testing::AssertionSuccess();
}

TEST(cost, gpt_4o) {
  // 2.50 / 1.25 / 10.00: (10000-4000) x 2500 + 4000 x 1250 + 2000 x 10000
  //   = 15,000,000 + 5,000,000 + 20,000,000
  EXPECT_TRUE(costs("gpt-4o", tokens(10'000, 4'000, 2'000), 40'000'000, "gpt-4o"));
}

TEST(cost, gpt_4o_mini) {
  // 0.15 / 0.075 / 0.60: 234,567 x 150 + 1,000,000 x 75 + 7,654 x 600
  //   = 35,185,050 + 75,000,000 + 4,592,400
  EXPECT_TRUE(
      costs("gpt-4o-mini", tokens(1'234'567, 1'000'000, 7'654), 114'777'450, "gpt-4o-mini"));
}

TEST(cost, gpt_4_1) {
  // 2.00 / 0.50 / 8.00: 2000 x 2000 + 3000 x 500 + 1000 x 8000 = 4,000,000 + 1,500,000 + 8,000,000
  EXPECT_TRUE(costs("gpt-4.1", tokens(5'000, 3'000, 1'000), 13'500'000, "gpt-4.1"));
}

TEST(cost, gpt_4_1_mini) {
  // 0.40 / 0.10 / 1.60: 300 x 400 + 33 x 100 + 77 x 1600 = 120,000 + 3,300 + 123,200
  EXPECT_TRUE(costs("gpt-4.1-mini", tokens(333, 33, 77), 246'500, "gpt-4.1-mini"));
}

TEST(cost, o1_reasoning_is_part_of_output) {
  // 15.00 / 7.50 / 60.00: 976 x 15000 + 1024 x 7500 + 3000 x 60000
  //   = 14,640,000 + 7,680,000 + 180,000,000 (the 2,500 reasoning tokens are in the 3,000)
  EXPECT_TRUE(costs("o1", tokens(2'000, 1'024, 3'000, 2'500), 202'320'000, "o1"));
}

TEST(cost, o3_current_and_dated_prices) {
  // Since 2025-06-10: 2.00 / 0.50 / 8.00: 7952 x 2000 + 2048 x 500 + 5000 x 8000
  //   = 15,904,000 + 1,024,000 + 40,000,000
  EXPECT_TRUE(costs("o3", tokens(10'000, 2'048, 5'000, 4'500), 56'928'000, "o3"));
  // Before (the data's launch price 10.00 / 0.50 / 40.00; not in §6.1): 7952 x 10000 + 2048 x 500
  //   + 5000 x 40000 = 79,520,000 + 1,024,000 + 200,000,000. 2025-05-01 = 1746057600.
  const cost_result before = cost("o3", tokens(10'000, 2'048, 5'000, 4'500), false, 1746057600);
  EXPECT_EQ(before.nano_usd, 280'544'000);
  // The day the new price starts (2025-06-10 00:00 UTC = 1749513600) already has it.
  EXPECT_EQ(cost("o3", tokens(10'000, 2'048, 5'000), false, 1749513600).nano_usd, 56'928'000);
  EXPECT_EQ(cost("o3", tokens(10'000, 2'048, 5'000), false, 1749513599).nano_usd, 280'544'000);
}

TEST(cost, o4_mini) {
  // 1.10 / 0.275 / 4.40: 220 x 1100 + 1280 x 275 + 900 x 4400 = 242,000 + 352,000 + 3,960,000
  EXPECT_TRUE(costs("o4-mini", tokens(1'500, 1'280, 900, 640), 4'554'000, "o4-mini"));
}

TEST(cost, gpt_5) {
  // 1.25 / 0.125 / 10.00: 40000 x 1250 + 60000 x 125 + 20000 x 10000
  //   = 50,000,000 + 7,500,000 + 200,000,000
  EXPECT_TRUE(costs("gpt-5", tokens(100'000, 60'000, 20'000, 15'000), 257'500'000, "gpt-5"));
}

TEST(cost, gpt_5_mini) {
  // 0.25 / 0.025 / 2.00: 2345 x 250 + 10000 x 25 + 678 x 2000 = 586,250 + 250,000 + 1,356,000
  EXPECT_TRUE(costs("gpt-5-mini", tokens(12'345, 10'000, 678, 600), 2'192'250, "gpt-5-mini"));
}

TEST(cost, gpt_5_nano) {
  // 0.05 / 0.005 / 0.40: 10000 x 50 + 30000 x 5 + 5000 x 400 = 500,000 + 150,000 + 2,000,000
  EXPECT_TRUE(costs("gpt-5-nano", tokens(40'000, 30'000, 5'000, 4'000), 2'650'000, "gpt-5-nano"));
}

TEST(cost, text_embedding_3_small_has_no_output) {
  // 0.02: 8191 x 20. Embeddings report no completion tokens (-1): nothing to bill there.
  token_usage u;
  u.input = 8'191;
  EXPECT_TRUE(costs("text-embedding-3-small", u, 163'820, "text-embedding-3-small"));
}

TEST(cost, dated_snapshots) {
  // A listed snapshot of gpt-4o: the gpt-4o arithmetic above.
  EXPECT_TRUE(costs("gpt-4o-2024-08-06", tokens(10'000, 4'000, 2'000), 40'000'000, "gpt-4o"));
  // A snapshot with a price of its own (5.00 / 15.00, no cached price: cached at input price):
  // 1000 x 5000 + 500 x 15000 = 5,000,000 + 7,500,000
  EXPECT_TRUE(costs("gpt-4o-2024-05-13", tokens(1'000, 200, 500), 12'500'000, "gpt-4o-2024-05-13"));
  // Not a date: not a snapshot, and not a model the table knows.
  EXPECT_FALSE(cost("gpt-4.1-2026-02-30", tokens(5'000, 3'000, 1'000)).priced);
}

TEST(cost, unlisted_snapshot_dates) {
  // Billed as their model (the gpt-4.1 and gpt-4.1-mini arithmetic above); compact dates too.
  EXPECT_TRUE(costs("gpt-4.1-2026-01-15", tokens(5'000, 3'000, 1'000), 13'500'000, "gpt-4.1"));
  EXPECT_TRUE(costs("gpt-4.1-20250414", tokens(5'000, 3'000, 1'000), 13'500'000, "gpt-4.1"));
  EXPECT_TRUE(costs("GPT-4.1-Mini-2026-01-15", tokens(333, 33, 77), 246'500, "gpt-4.1-mini"));
}

TEST(cost, fine_tuned_models) {
  // Fine-tuned gpt-4o-mini inference, 0.30 / 1.20 (genai-prices; §6.1 has no ft: rows):
  // 1000 x 300 + 500 x 1200 = 300,000 + 600,000
  EXPECT_TRUE(costs("ft:gpt-4o-mini-2024-07-18:acme::AbC123", tokens(1'000, 0, 500), 900'000,
                    "ft:gpt-4o-mini"));
  // Without the snapshot date in the id: the fine-tune price of the base model.
  EXPECT_TRUE(
      costs("ft:gpt-4o-mini:acme::AbC123", tokens(1'000, 0, 500), 900'000, "ft:gpt-4o-mini"));
  // The data has no fine-tune price for gpt-4.1-mini: billed as the base model (0.40 / 1.60):
  // 1000 x 400 + 500 x 1600 = 400,000 + 800,000
  EXPECT_TRUE(costs("ft:gpt-4.1-mini-2025-04-14:acme::x1", tokens(1'000, 0, 500), 1'200'000,
                    "gpt-4.1-mini"));
}

TEST(cost, long_context_tier) {
  // gpt-5.4 below the tier: 2.50 / 0.25 / 15.00 at 271,999 input tokens:
  //   171,999 x 2500 + 100,000 x 250 + 10,000 x 15000 = 429,997,500 + 25,000,000 + 150,000,000
  EXPECT_TRUE(costs("gpt-5.4", tokens(271'999, 100'000, 10'000), 604'997'500, "gpt-5.4"));
  // At 272,000 (the data: tier when input > 271,999) every token is at 5.00 / 0.50 / 22.50:
  //   172,000 x 5000 + 100,000 x 500 + 10,000 x 22500 = 860,000,000 + 50,000,000 + 225,000,000
  EXPECT_TRUE(costs("gpt-5.4", tokens(272'000, 100'000, 10'000), 1'135'000'000, "gpt-5.4"));
}

TEST(cost, batch_is_half_price_rounded_half_up) {
  // gpt-4.1 arithmetic above x 50%.
  EXPECT_TRUE(costs("gpt-4.1", tokens(5'000, 3'000, 1'000), 6'750'000, "gpt-4.1", true));
  // gpt-5-nano, one cached token: 0.005 USD/1M = 5 nano x 50% = 2.5 nano -> 3.
  EXPECT_TRUE(costs("gpt-5-nano", tokens(1, 1, 0), 3, "gpt-5-nano", true));
}

TEST(cost, audio_tokens_have_their_own_rates) {
  // gpt-audio-mini (genai-prices: text 0.60 / 2.40, audio 10.00 / 20.00):
  //   text in 200 x 600 + audio in 800 x 10000 + text out 100 x 2400 + audio out 400 x 20000
  //   = 120,000 + 8,000,000 + 240,000 + 8,000,000
  token_usage u = tokens(1'000, 0, 500);
  u.input_audio = 800;
  u.output_audio = 400;
  EXPECT_TRUE(costs("gpt-audio-mini", u, 16'360'000, "gpt-audio-mini"));
}

TEST(cost, never_counted_twice_even_with_bad_details) {
  // Cached above input is clamped to input: 100 cached x 1250 + 50 x 10000 = 125,000 + 500,000.
  EXPECT_TRUE(costs("gpt-4o", tokens(100, 500, 50, 80), 625'000, "gpt-4o"));
}

TEST(cost, unknown_model_is_unpriced_not_zero) {
  const cost_result r = cost("llama-3-70b-instruct", tokens(1'000, 0, 100));
  EXPECT_FALSE(r.priced);
  EXPECT_EQ(r.nano_usd, -1);
  EXPECT_EQ(r.priced_as, "");
  EXPECT_EQ(r.reason, "unknown model");
  EXPECT_FALSE(cost("", tokens(1, 0, 1)).priced);
}

TEST(cost, missing_usage_is_unpriced) {
  EXPECT_EQ(cost("gpt-4o", tokens(-1, -1, 100)).reason, "input tokens unknown");
  EXPECT_EQ(cost("gpt-4o", tokens(100, -1, -1)).reason, "output tokens unknown");
  // Unknown details are zero: 100 x 2500 + 10 x 10000.
  EXPECT_TRUE(costs("gpt-4o", tokens(100, -1, 10, -1), 350'000, "gpt-4o"));
}

TEST(cost, models_not_billed_by_tokens) {
  // Moderation is free in the data: a real $0, priced.
  EXPECT_TRUE(costs("omni-moderation-latest", tokens(500, -1, -1), 0, "moderation"));
  // whisper-1 is billed per audio minute; usage has tokens only.
  EXPECT_FALSE(cost("whisper-1", tokens(500, 0, 0)).priced);
  // Image models: usage does not split image and text tokens.
  EXPECT_FALSE(cost("gpt-image-1", tokens(50, 0, 4'160)).priced);
}

TEST(cost, provider_prefix_and_case) {
  EXPECT_TRUE(costs("openai/GPT-4o", tokens(10'000, 4'000, 2'000), 40'000'000, "gpt-4o"));
  EXPECT_TRUE(costs("  openrouter/openai/gpt-4o-2024-08-06 ", tokens(10'000, 4'000, 2'000),
                    40'000'000, "gpt-4o"));
}

TEST(cost, from_llmtap_usage) {
  usage u;
  u.input_tokens = 10'000;
  u.cached_input_tokens = 4'000;
  u.output_tokens = 2'000;
  u.reasoning_tokens = 1'000;
  const cost_result r = cost_of(real_table(), "gpt-4o", u);
  EXPECT_TRUE(r.priced);
  EXPECT_EQ(r.nano_usd, 40'000'000);
  EXPECT_EQ(cost_of(real_table(), "gpt-4o", u, true).nano_usd, 20'000'000);
}

TEST(price_exchange, served_then_requested_then_deployment) {
  exchange x;
  x.usage.input_tokens = 10'000;
  x.usage.cached_input_tokens = 4'000;
  x.usage.output_tokens = 2'000;
  x.model_requested = "gpt-4o-mini";
  x.model_served = "gpt-4o-2024-08-06";
  EXPECT_EQ(price_exchange(real_table(), x).priced_as, "gpt-4o");
  EXPECT_EQ(x.cost_nano_usd, 40'000'000);

  x.model_served.clear();  // 6000 x 150 + 4000 x 75 + 2000 x 600 = 900,000 + 300,000 + 1,200,000
  EXPECT_EQ(price_exchange(real_table(), x).priced_as, "gpt-4o-mini");
  EXPECT_EQ(x.cost_nano_usd, 2'400'000);

  x.model_requested = "unheard-of";
  EXPECT_FALSE(price_exchange(real_table(), x).priced);
  EXPECT_EQ(x.cost_nano_usd, -1);

  x.usage.input_tokens = -1;  // no usage at all
  x.model_requested = "gpt-4o";
  x.cost_nano_usd = 123;
  EXPECT_FALSE(price_exchange(real_table(), x).priced);
  EXPECT_EQ(x.cost_nano_usd, -1);
}

TEST(price_exchange, dated_prices_follow_the_call_time) {
  exchange x;
  x.model_served = "o3-2025-04-16";
  x.usage.input_tokens = 10'000;
  x.usage.cached_input_tokens = 2'048;
  x.usage.output_tokens = 5'000;
  x.wall_start_unix_ns = int64_t{1746057600} * 1'000'000'000;  // 2025-05-01: launch prices
  price_exchange(real_table(), x);
  EXPECT_EQ(x.cost_nano_usd, 280'544'000);
  x.wall_start_unix_ns = int64_t{kAfterAll} * 1'000'000'000;
  price_exchange(real_table(), x);
  EXPECT_EQ(x.cost_nano_usd, 56'928'000);
}

}  // namespace
}  // namespace llmtap::pricing::test
