#include <gtest/gtest.h>

#include "pricing/normalize.h"

namespace llmtap::pricing {
namespace {

TEST(normalize, model_family) {
  EXPECT_EQ(normalize_model("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(normalize_model("gpt-4o-20240806"), "gpt-4o");
  EXPECT_EQ(normalize_model("openai/GPT-4o"), "gpt-4o");
  EXPECT_EQ(normalize_model("  Azure/gpt-4.1-mini-2025-04-14\n"), "gpt-4.1-mini");
  EXPECT_EQ(normalize_model("ft:gpt-4o-mini-2024-07-18:acme::AbC123"), "gpt-4o-mini");
  EXPECT_EQ(normalize_model("ft:gpt-4o-mini:org::id"), "gpt-4o-mini");
  EXPECT_EQ(normalize_model("o3"), "o3");
  // Not dates: left alone (a 4-digit suffix such as -0613 is a distinct model, priced by name).
  EXPECT_EQ(normalize_model("gpt-3.5-turbo-0613"), "gpt-3.5-turbo-0613");
  EXPECT_EQ(normalize_model("gpt-4o-2024-13-06"), "gpt-4o-2024-13-06");
  EXPECT_EQ(normalize_model("gpt-4o-2023-02-29"), "gpt-4o-2023-02-29");
  EXPECT_EQ(normalize_model("gpt-4o-2024-02-29"), "gpt-4o");
  EXPECT_EQ(normalize_model(""), "");
}

TEST(normalize, dash_dates_like_genai_prices) {
  EXPECT_EQ(dash_dates("gpt-4o-20240806"), "gpt-4o-2024-08-06");
  EXPECT_EQ(dash_dates("ft:gpt-4o-mini-20240718:org"), "ft:gpt-4o-mini-2024-07-18:org");
  EXPECT_EQ(dash_dates("gpt-4o-20241306"), "gpt-4o-20241306");
  EXPECT_EQ(dash_dates("x-202408061"), "x-202408061");
}

TEST(normalize, clean_and_fine_tune_base) {
  EXPECT_EQ(clean_model("openrouter/openai/gpt-4o"), "gpt-4o");
  EXPECT_EQ(clean_model("ft:gpt-4o:my/org::x"), "ft:gpt-4o:my/org::x");
  EXPECT_EQ(fine_tune_base("ft:gpt-4o-mini-2024-07-18:acme::x"), "gpt-4o-mini-2024-07-18");
  EXPECT_EQ(fine_tune_base("gpt-4o"), "");
}

}  // namespace
}  // namespace llmtap::pricing
