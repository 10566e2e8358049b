// The worker's per-call observation (SSE framing, event capture) and the pipeline's per-call
// parsing (usage extraction, estimation when no usage was reported).
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "openai/body.h"
#include "openai/sse.h"
#include "pipeline/estimate.h"
#include "pipeline/pipeline.h"

namespace llmtap::bench {
namespace {

// One 18-event stream through the framer; arg = bytes per read (a large value = one read).
void BM_sse_framer(benchmark::State& state) {
  const std::string body = chat_stream();
  const size_t read = static_cast<size_t>(state.range(0));
  openai::sse_framer framer;
  size_t events = 0;
  for (auto _ : state) {
    for (size_t off = 0; off < body.size(); off += read)
      framer.feed(std::string_view(body).substr(off, read), [&](const openai::sse_event& ev) {
        benchmark::DoNotOptimize(ev.data.data());
        ++events;
      });
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.counters["events/stream"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_sse_framer)->Arg(1 << 20)->Arg(330)->Arg(64);

// The content test the worker runs on each event until the first token: arg 0 = the role-only
// first chunk (no content: every key is looked for), 1 = the first chunk with text.
void BM_event_has_content(benchmark::State& state) {
  const std::string body = chat_stream(1, false);
  std::string_view data = body;
  data.remove_prefix(6);  // "data: "
  if (state.range(0) == 1) data.remove_prefix(data.find("\n\ndata: ") + 8);
  data = data.substr(0, data.find("\n\n"));
  bool has = false;
  for (auto _ : state) benchmark::DoNotOptimize(has = openai::event_has_content({}, data));
  if (has != (state.range(0) == 1)) state.SkipWithError("wrong answer");
  state.SetLabel(state.range(0) ? "text chunk" : "role chunk");
}
BENCHMARK(BM_event_has_content)->Arg(0)->Arg(1);

// What the worker does per streamed call after relaying each read: frame, keep the first/last
// events, copy content payloads for estimation. A fresh exchange each time, as in the proxy
// (its construction and destruction are part of the measured cost).
void BM_worker_observe_stream(benchmark::State& state) {
  const std::string body = chat_stream();
  const size_t read = static_cast<size_t>(state.range(0));
  for (auto _ : state) {
    exchange x;
    observe_stream(x, body, read);
    benchmark::DoNotOptimize(x.stream_content.bytes.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_worker_observe_stream)->Arg(1 << 20)->Arg(330);

void reset_parsed(exchange& x) {
  x.model_served.clear();
  x.finish_reason.clear();
  x.error_type.clear();
  x.error_code.clear();
  x.usage = {};
}

void BM_parse_request(benchmark::State& state) {
  exchange x = json_exchange();
  for (auto _ : state) {
    x.model_requested.clear();
    openai::parse_request(x, x.request_content_type);
    benchmark::DoNotOptimize(x.model_requested.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * x.request_body.bytes.size()));
}
BENCHMARK(BM_parse_request);

// Usage extraction from a recorded chat.completion body.
void BM_parse_response_json(benchmark::State& state) {
  exchange x = json_exchange();
  for (auto _ : state) {
    reset_parsed(x);
    openai::parse_response(x);
    benchmark::DoNotOptimize(x.usage.total_tokens);
  }
  if (x.usage.total_tokens != 305) state.SkipWithError("usage not found");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * x.response_body.bytes.size()));
}
BENCHMARK(BM_parse_response_json);

// Usage extraction from the kept events of a recorded stream (first + last four).
void BM_parse_response_stream(benchmark::State& state) {
  exchange x = stream_exchange(true);
  for (auto _ : state) {
    reset_parsed(x);
    openai::parse_response(x);
    benchmark::DoNotOptimize(x.usage.total_tokens);
  }
  if (x.usage.total_tokens != 305) state.SkipWithError("usage not found");
}
BENCHMARK(BM_parse_response_stream);

// The pipeline's whole parse of one call (request, response, estimate when needed).
void BM_enrich(benchmark::State& state) {
  const bool stream = state.range(0) != 0;
  exchange x = stream ? stream_exchange(true) : json_exchange();
  for (auto _ : state) {
    reset_parsed(x);
    x.model_requested.clear();
    pipeline::pipeline::enrich(x);
    benchmark::DoNotOptimize(x.usage.total_tokens);
  }
  state.SetLabel(stream ? "stream" : "json");
}
BENCHMARK(BM_enrich)->Arg(0)->Arg(1);

// A stream that reported no usage: the tokenizer counts the prompt and the received text.
void BM_estimate_usage_stream(benchmark::State& state) {
  exchange x = stream_exchange(false);
  openai::parse_request(x, x.request_content_type);
  openai::parse_response(x);
  pipeline::estimate_usage(x);  // loads the encoding once, outside the measured loop
  for (auto _ : state) {
    x.usage = {};
    pipeline::estimate_usage(x);
    benchmark::DoNotOptimize(x.usage.total_tokens);
  }
  if (x.usage.source != usage_source::estimated) state.SkipWithError("not estimated");
  state.counters["tokens"] = static_cast<double>(x.usage.total_tokens);
}
BENCHMARK(BM_estimate_usage_stream);

}  // namespace
}  // namespace llmtap::bench
