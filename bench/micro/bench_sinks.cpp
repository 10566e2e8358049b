// Datadog encoders, per call: DogStatsD lines (and their packing into datagrams) and APM spans.
// The other exporters' encoders are in bench_telemetry.cpp.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "pipeline/pipeline.h"
#include "sinks/datadog_apm/span_encoder.h"
#include "sinks/dogstatsd/metric_encoder.h"

namespace llmtap::bench {
namespace {

exchange enriched(bool stream) {
  exchange x = stream ? stream_exchange(true) : json_exchange();
  pipeline::pipeline::enrich(x);
  x.cost_nano_usd = 84'450;
  x.trace.trace_id_hi = 0x6790f3a100000000u;
  x.trace.trace_id_lo = 0x1234567890abcdefu;
  x.trace.span_id = 0x0fedcba987654321u;
  return x;
}

void BM_dogstatsd_encode(benchmark::State& state) {
  const bool stream = state.range(0) != 0;
  exchange x = enriched(stream);
  sinks::metric_encoder enc;
  std::string out;
  size_t lines = 0;
  for (auto _ : state) {
    out.clear();
    lines = enc.append(x, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["lines"] = static_cast<double>(lines);
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetLabel(stream ? "stream" : "json");
}
BENCHMARK(BM_dogstatsd_encode)->Arg(0)->Arg(1);

// Encode + pack into 1432-byte UDP datagrams (the send itself is a syscall, not measured here).
void BM_dogstatsd_encode_pack(benchmark::State& state) {
  exchange x = enriched(true);
  sinks::metric_encoder enc;
  sinks::datagram_packer pack(1432);
  std::string out;
  size_t datagrams = 0;
  for (auto _ : state) {
    out.clear();
    enc.append(x, out);
    pack.add(out, [&](std::string_view d, size_t) {
      benchmark::DoNotOptimize(d.data());
      ++datagrams;
    });
  }
  state.counters["datagrams/call"] =
      benchmark::Counter(static_cast<double>(datagrams) / static_cast<double>(state.iterations()));
}
BENCHMARK(BM_dogstatsd_encode_pack);

// What the sink does per flush with aggregation on (the default): `range(0)` calls with the same
// tags collected, then the aggregated lines packed into 1432-byte datagrams. Time is per call.
void BM_dogstatsd_aggregate_pack(benchmark::State& state) {
  const size_t calls = static_cast<size_t>(state.range(0));
  exchange x = enriched(true);
  sinks::metric_encoder enc;
  sinks::line_aggregator agg;
  sinks::datagram_packer pack(1432);
  std::string out;
  size_t datagrams = 0;
  for (auto _ : state) {
    out.clear();
    for (size_t i = 0; i < calls; ++i) enc.collect(x, agg);
    agg.take(out, 1432);
    pack.add(out, [&](std::string_view d, size_t) {
      benchmark::DoNotOptimize(d.data());
      ++datagrams;
    });
    pack.flush([&](std::string_view d, size_t) {
      benchmark::DoNotOptimize(d.data());
      ++datagrams;
    });
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * calls));
  state.counters["datagrams/call"] = benchmark::Counter(
      static_cast<double>(datagrams) / static_cast<double>(state.iterations() * calls));
}
BENCHMARK(BM_dogstatsd_aggregate_pack)->Arg(1)->Arg(16)->Arg(512);

void BM_apm_span_encode(benchmark::State& state) {
  exchange x = enriched(true);
  sinks::span_encoder enc;
  std::string out;
  for (auto _ : state) {
    out.clear();
    enc.append_span(x, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_apm_span_encode);

}  // namespace
}  // namespace llmtap::bench
