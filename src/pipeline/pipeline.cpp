#include "pipeline/pipeline.h"

#include <cstdio>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "core/exchange_recycler.h"
#include "core/thread_name.h"
#include "openai/body.h"
#include "pipeline/estimate.h"

namespace llmtap::pipeline {

pipeline::pipeline(exchange_queue& in, options o)
    : in_(in),
      o_(std::move(o)),
      sampler_(o_.sampling),
      rng_state_(std::random_device{}() | uint64_t(std::random_device{}()) << 32) {}

// Every call gets a span of its own; a call without a caller's trace starts one. 128-bit trace
// ids start with the Unix time in seconds, as Datadog's tracers make them.
void pipeline::assign_trace(exchange& x) {
  auto next = [this] {  // splitmix64: fast, and ids need only be unique, not secret
    uint64_t z = (rng_state_ += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return (z ^ (z >> 31)) | 1u;  // never 0: 0 means "none"
  };
  if (!x.trace.valid()) {
    x.trace = {};
    x.trace.trace_id_hi = static_cast<uint64_t>(x.wall_start_unix_ns / 1'000'000'000) << 32;
    x.trace.trace_id_lo = next() >> 1;  // 63 bits: Datadog's 64-bit ids are positive int64s
  }
  x.trace.span_id = next() >> 1;
}

pipeline::~pipeline() {
  stop();
}

void pipeline::start() {
  thread_ = std::thread([this] {
    name_this_thread("pipeline");
    run();
  });
}

void pipeline::stop() {
  in_.close();
  if (thread_.joinable()) thread_.join();
}

void pipeline::enrich(exchange& x) {
  if (!x.request_parsed) openai::parse_request(x, x.request_content_type);
  openai::parse_response(x);
  estimate_usage(x);
}

// What --debug shows of a call: facts only, never the key or body text.
std::string pipeline::describe(const exchange& x) {
  return fmt::format(
      "call {:x} {} {} upstream={} status={} outcome={} model={} stream={} tokens={}/{} ({}) "
      "cost={} duration={}us inside={}us",
      x.id, x.method, x.path, x.upstream, x.status, to_string(x.result),
      x.model_served.empty() ? x.model_requested : x.model_served, x.stream, x.usage.input_tokens,
      x.usage.output_tokens, to_string(x.usage.source),
      x.cost_nano_usd < 0 ? std::string("unpriced") : fmt::format("${:.9f}", x.cost_nano_usd / 1e9),
      x.t.last_byte > 0 ? (x.t.last_byte - x.t.accepted) / 1000 : -1, x.inside_ns / 1000);
}

// The longest a finished call waits for the pipeline when fewer than a batch arrived. Short, so
// that a light load is taken in small bites: each bite runs on a CPU the workers share, and a
// 50 ms wait made bites of ~450 calls at 9,000 calls/s, ~1 ms during which a worker could wait
// for the CPU (p99 at one connection, bench/). Under load batches fill before the wait ends.
constexpr std::chrono::milliseconds kMaxWait{5};

void pipeline::run() {
  std::vector<std::unique_ptr<exchange>> batch;
  batch.reserve(256);
  while (in_.pop_batch(batch, 256, kMaxWait)) {
    const pricing::pricing::in_force prices =
        o_.prices ? o_.prices->tables() : pricing::pricing::in_force{};
    for (size_t i = 0; i < batch.size(); ++i) {
      auto& x = batch[i];
      prefetch_ahead(batch, i);
      // And the start of the next call's bodies: the JSON parsers stream through the rest, which
      // the CPU then fetches ahead by itself.
      if (i + 1 < batch.size()) {
        for (const capture* c : {&batch[i + 1]->request_body, &batch[i + 1]->response_body})
          for (size_t off = 0; off < c->bytes.size() && off < 512; off += 64)
            __builtin_prefetch(c->bytes.data() + off);
      }
      enrich(*x);
      assign_trace(*x);
      sampler_.apply(*x);
      // The prices in force when the call arrived, even if a reload swapped them since.
      const pricing::price_table* table = prices.at(x->t.accepted);
      if (table && !pricing::price_exchange(*table, *x).priced && x->status < 400)
        unpriced_.fetch_add(1, std::memory_order_relaxed);
      ratelimits_.update(*x);
      processed_.fetch_add(1, std::memory_order_relaxed);
      std::string line = o_.debug ? describe(*x) : std::string();
      // The last holder (store or sink) gives it back for a later call (core/exchange_recycler.h).
      std::shared_ptr<const exchange> done(x.release(), exchange_recycler{});
      bool stored = !o_.store || o_.store->offer(done);
      for (sinks::sink* s : o_.sinks) s->offer(done);
      if (o_.debug)
        std::fprintf(stderr, "llmtap debug: %s -> store: %s\n", line.c_str(),
                     stored ? "queued" : "dropped (store queue full)");
    }
    batch.clear();
  }
}

}  // namespace llmtap::pipeline
