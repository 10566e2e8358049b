// The telemetry encoders the other exporters run per call (their own threads, or the pipeline
// thread for the Prometheus registry): Prometheus aggregation and exposition, line protocol
// points, OTLP spans and metric aggregation.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "metrics/registry.h"
#include "pipeline/pipeline.h"
#include "sinks/line_protocol/point_encoder.h"
#include "sinks/otel/otlp_encode.h"
#include "sinks/otel/otlp_metrics.h"

namespace llmtap::bench {
namespace {

exchange enriched_call(bool stream, int variant = 0) {
  exchange x = stream ? stream_exchange(true) : json_exchange();
  pipeline::pipeline::enrich(x);
  x.cost_nano_usd = 84'450;
  x.trace.trace_id_hi = 0x6790f3a100000000u;
  x.trace.trace_id_lo = 0x1234567890abcdefu + static_cast<uint64_t>(variant);
  x.trace.span_id = 0x0fedcba987654321u;
  if (variant % 3 == 1) x.service = "search";
  if (variant % 5 == 2) x.status = 429, x.error_type = "rate_limit_exceeded", x.result = outcome::ok;
  return x;
}

// The pipeline thread's update of /metrics' aggregates for one call (an existing series).
void BM_prometheus_record(benchmark::State& state) {
  metrics::registry r(metrics::registry_options{});
  exchange x = enriched_call(state.range(0) != 0);
  for (auto _ : state) r.record(x);
  state.SetLabel(state.range(0) ? "stream" : "json");
}
BENCHMARK(BM_prometheus_record)->Arg(0)->Arg(1);

// A scrape of /metrics after calls over 30 label sets (service x status x stream).
void BM_prometheus_render(benchmark::State& state) {
  metrics::registry r(metrics::registry_options{});
  for (int i = 0; i < 30; ++i) r.record(enriched_call(i % 2 == 0, i));
  std::string out;
  for (auto _ : state) {
    out.clear();
    r.render(out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}
BENCHMARK(BM_prometheus_render);

void BM_line_protocol_points(benchmark::State& state) {
  sinks::lp::point_options o;
  o.target = state.range(0) == 2 ? sinks::lp::flavor::datakit : sinks::lp::flavor::influxdb1;
  sinks::lp::point_encoder enc(o);
  exchange x = enriched_call(true);
  std::string out;
  size_t points = 0;
  for (auto _ : state) {
    out.clear();
    points = enc.append_metrics(x, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["points"] = static_cast<double>(points);
  state.counters["bytes"] = static_cast<double>(out.size());
  state.SetLabel(state.range(0) == 2 ? "datakit" : "influxdb1");
}
BENCHMARK(BM_line_protocol_points)->Arg(1)->Arg(2);

// One GenAI span into a protobuf message, then the request serialized (binary protobuf).
void BM_otlp_span(benchmark::State& state) {
  sinks::otlp::encode_options o;
  exchange x = enriched_call(true);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
  size_t bytes = 0;
  for (auto _ : state) {
    req.Clear();
    auto* scope = req.add_resource_spans()->add_scope_spans();
    sinks::otlp::append_span(*scope, x, o);
    std::string wire = sinks::otlp::serialize(req, false);
    bytes = wire.size();
    benchmark::DoNotOptimize(wire.data());
  }
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_otlp_span);

// The OTLP exporter's per-call update of its GenAI histograms.
void BM_otlp_metrics_record(benchmark::State& state) {
  sinks::otlp::encode_options o;
  sinks::otlp::metrics_aggregator agg(o, 1'764'000'000'000'000'000u);
  exchange x = enriched_call(true);
  for (auto _ : state) agg.record(x);
}
BENCHMARK(BM_otlp_metrics_record);

}  // namespace
}  // namespace llmtap::bench
