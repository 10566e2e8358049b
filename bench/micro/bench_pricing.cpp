// Pricing a call: the table lookup (model name normalization and matching) and the integer cost.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "openai/body.h"
#include "pricing/cost.h"
#include "pricing/load.h"

namespace llmtap::bench {
namespace {

std::shared_ptr<const pricing::price_table> table() {
  static auto t = [] {
    auto r = pricing::load_table({});
    if (!r.ok()) std::fprintf(stderr, "price table: %s\n", r.error.c_str());
    return r.value;
  }();
  return t;
}

void BM_cost_of(benchmark::State& state) {
  auto t = table();
  if (!t) return state.SkipWithError("no price table (run scripts/setup.sh)");
  llmtap::usage u;
  u.input_tokens = 219;
  u.output_tokens = 86;
  u.total_tokens = 305;
  u.cached_input_tokens = 0;
  const char* model = state.range(0) ? "gpt-4o-mini-2024-07-18" : "gpt-4o-mini";
  for (auto _ : state) {
    auto r = pricing::cost_of(*t, model, u);
    benchmark::DoNotOptimize(r.nano_usd);
  }
  state.SetLabel(model);
}
BENCHMARK(BM_cost_of)->Arg(0)->Arg(1);

// What the pipeline calls per record (served model, requested model, deployment fallbacks).
void BM_price_exchange(benchmark::State& state) {
  auto t = table();
  if (!t) return state.SkipWithError("no price table (run scripts/setup.sh)");
  exchange x = json_exchange();
  openai::parse_request(x, x.request_content_type);
  openai::parse_response(x);
  for (auto _ : state) {
    auto r = pricing::price_exchange(*t, x);
    benchmark::DoNotOptimize(r.nano_usd);
  }
  if (x.cost_nano_usd <= 0) state.SkipWithError("not priced");
}
BENCHMARK(BM_price_exchange);

}  // namespace
}  // namespace llmtap::bench
