// The rest of the pipeline's per-call work: sampling with redaction (the 10% of calls that are
// kept). The store's insert is in bench_store.cpp.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "pipeline/pipeline.h"
#include "pipeline/sampling.h"

namespace llmtap::bench {
namespace {

// One sampled call: prompt and completion rebuilt as JSON, redacted (built-in patterns), cut.
void BM_sample_call(benchmark::State& state) {
  const bool stream = state.range(0) != 0;
  pipeline::sampling_options o;
  o.rate = 1.0;
  pipeline::sampler s(o);
  exchange x = stream ? stream_exchange(true) : json_exchange();
  pipeline::pipeline::enrich(x);
  x.trace.trace_id_lo = 12345;
  for (auto _ : state) {
    x.sample_input.clear();
    x.sample_output.clear();
    s.apply(x);
    benchmark::DoNotOptimize(x.sample_output.data());
  }
  if (!x.sampled || x.sample_input.empty()) state.SkipWithError("not sampled");
  state.SetLabel(stream ? "stream" : "json");
}
BENCHMARK(BM_sample_call)->Arg(0)->Arg(1);

// A call that is not sampled (90% of them): the rate rule only.
void BM_sample_decision(benchmark::State& state) {
  pipeline::sampling_options o;
  pipeline::sampler s(o);
  exchange x = json_exchange();
  pipeline::pipeline::enrich(x);
  uint64_t id = 1;
  for (auto _ : state) {
    x.trace.trace_id_lo = id++;
    s.apply(x);
    benchmark::DoNotOptimize(x.sampled);
  }
}
BENCHMARK(BM_sample_decision);

}  // namespace
}  // namespace llmtap::bench
