#include "pipeline/pipeline.h"

#include <vector>

#include "openai/body.h"

namespace llmtap::pipeline {

pipeline::pipeline(exchange_queue& in, store::store_writer* store) : in_(in), store_(store) {}

pipeline::~pipeline() { stop(); }

void pipeline::start() { thread_ = std::thread([this] { run(); }); }

void pipeline::stop() {
  in_.close();
  if (thread_.joinable()) thread_.join();
}

void pipeline::enrich(exchange& x) {
  openai::parse_request(x, x.request_content_type);
  openai::parse_response(x);
}

void pipeline::run() {
  std::vector<std::unique_ptr<exchange>> batch;
  batch.reserve(256);
  while (in_.pop_batch(batch, 256, std::chrono::milliseconds(50))) {
    for (auto& x : batch) {
      enrich(*x);
      processed_.fetch_add(1, std::memory_order_relaxed);
      if (store_) store_->offer(std::shared_ptr<const exchange>(std::move(x)));
    }
    batch.clear();
  }
}

}  // namespace llmtap::pipeline
