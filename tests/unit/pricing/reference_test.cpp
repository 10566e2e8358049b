// Every row of ../shared/reference/openai-api.md §6.1 against the generated table, so that a new
// data version that disagrees with the reviewed prices is noticed (USD per 1M tokens x 1e6 =
// pico-USD per token; -1 = "n/a" in the reference, i.e. no price of its own).
#include "test_support.h"

namespace llmtap::pricing::test {
namespace {

struct row {
  const char* model;
  int64_t input, cached, output;  // pico-USD per token
};

constexpr row kReference[] = {
    {"gpt-4o", 2'500'000, 1'250'000, 10'000'000}, {"gpt-4o-mini", 150'000, 75'000, 600'000},
    {"gpt-4.1", 2'000'000, 500'000, 8'000'000},   {"gpt-4.1-mini", 400'000, 100'000, 1'600'000},
    {"gpt-4.1-nano", 100'000, 25'000, 400'000},   {"o1", 15'000'000, 7'500'000, 60'000'000},
    {"o1-mini", 1'100'000, 550'000, 4'400'000},   {"o3", 2'000'000, 500'000, 8'000'000},
    {"o3-mini", 1'100'000, 550'000, 4'400'000},   {"o4-mini", 1'100'000, 275'000, 4'400'000},
    {"o3-pro", 20'000'000, -1, 80'000'000},       {"gpt-5", 1'250'000, 125'000, 10'000'000},
    {"gpt-5-mini", 250'000, 25'000, 2'000'000},   {"gpt-5-nano", 50'000, 5'000, 400'000},
    {"gpt-5.1", 1'250'000, 125'000, 10'000'000},  {"gpt-5.2", 1'750'000, 175'000, 14'000'000},
    {"gpt-5.4", 2'500'000, 250'000, 15'000'000},  {"gpt-5.4-mini", 750'000, 75'000, 4'500'000},
    {"gpt-5.5", 5'000'000, 500'000, 30'000'000},  {"gpt-3.5-turbo-0125", 500'000, -1, 1'500'000},
    {"text-embedding-3-small", 20'000, -1, -1},   {"text-embedding-3-large", 130'000, -1, -1},
    {"text-embedding-ada-002", 100'000, -1, -1},
};

TEST(reference, section_6_1_prices) {
  const price_table& t = real_table();
  for (const row& r : kReference) {
    const size_t i = t.resolve(r.model);
    ASSERT_NE(i, price_table::npos) << r.model;
    const price_set& s = t.models[i].select(kAfterAll);
    EXPECT_EQ(s[token_class::input].base, r.input) << r.model;
    EXPECT_EQ(s[token_class::cached_input].base, r.cached) << r.model;
    EXPECT_EQ(s[token_class::output].base, r.output) << r.model;
  }
}

TEST(reference, gpt_5_4_long_context_rates) {
  // §6.1: gpt-5.4 (>=272K input) 5.00 / 0.50 / 22.50.
  const price_set& s = real_table().models[real_table().resolve("gpt-5.4")].select(kAfterAll);
  EXPECT_EQ(s[token_class::input].at(272'000), 5'000'000);
  EXPECT_EQ(s[token_class::cached_input].at(272'000), 500'000);
  EXPECT_EQ(s[token_class::output].at(272'000), 22'500'000);
  EXPECT_EQ(s[token_class::output].at(271'999), 15'000'000);
}

}  // namespace
}  // namespace llmtap::pricing::test
