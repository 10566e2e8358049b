#include "pipeline/pipeline.h"

#include <cstdio>
#include <vector>

#include <fmt/format.h>

#include "openai/body.h"
#include "pipeline/estimate.h"

namespace llmtap::pipeline {

pipeline::pipeline(exchange_queue& in, store::store_writer* store, const pricing::pricing* prices, bool debug)
    : in_(in), store_(store), prices_(prices), debug_(debug) {}

pipeline::~pipeline() { stop(); }

void pipeline::start() { thread_ = std::thread([this] { run(); }); }

void pipeline::stop() {
  in_.close();
  if (thread_.joinable()) thread_.join();
}

void pipeline::enrich(exchange& x) {
  openai::parse_request(x, x.request_content_type);
  openai::parse_response(x);
  estimate_usage(x);
}

// What --debug shows of a call: facts only, never the key or body text.
std::string pipeline::describe(const exchange& x) {
  return fmt::format("call {:x} {} {} upstream={} status={} outcome={} model={} stream={} tokens={}/{} ({}) cost={} duration={}us inside={}us",
                     x.id, x.method, x.path, x.upstream, x.status, to_string(x.result),
                     x.model_served.empty() ? x.model_requested : x.model_served, x.stream,
                     x.usage.input_tokens, x.usage.output_tokens, to_string(x.usage.source),
                     x.cost_nano_usd < 0 ? std::string("unpriced") : fmt::format("${:.9f}", x.cost_nano_usd / 1e9),
                     x.t.last_byte > 0 ? (x.t.last_byte - x.t.accepted) / 1000 : -1, x.inside_ns / 1000);
}

void pipeline::run() {
  std::vector<std::unique_ptr<exchange>> batch;
  batch.reserve(256);
  while (in_.pop_batch(batch, 256, std::chrono::milliseconds(50))) {
    for (auto& x : batch) {
      enrich(*x);
      // The prices in force when the call arrived, even if a reload swapped them since.
      auto table = prices_ ? prices_->snapshot_at(x->t.accepted) : nullptr;
      if (table && !pricing::price_exchange(*table, *x).priced && x->status < 400)
        unpriced_.fetch_add(1, std::memory_order_relaxed);
      ratelimits_.update(*x);
      processed_.fetch_add(1, std::memory_order_relaxed);
      std::string line = debug_ ? describe(*x) : std::string();
      bool stored = !store_ || store_->offer(std::shared_ptr<const exchange>(std::move(x)));
      if (debug_) std::fprintf(stderr, "llmtap debug: %s -> store: %s\n", line.c_str(), stored ? "queued" : "dropped (store queue full)");
    }
    batch.clear();
  }
}

}  // namespace llmtap::pipeline
