// The hand-off queue between the proxy workers and the pipeline (core/bounded_queue.h).
#include <benchmark/benchmark.h>

#include <thread>

#include "core/exchange_queue.h"

namespace llmtap::bench {
namespace {

// Uncontended: one thread pushes a batch, then pops it. Per item: lock, move, unlock (push);
// one lock per batch (pop). wake_at 1, so that pop_batch never waits for more items.
void BM_queue_push_pop_batch(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  exchange_queue q(16384, 1);
  std::vector<std::unique_ptr<exchange>> items(batch), out;
  for (auto& p : items) p = std::make_unique<exchange>();
  out.reserve(batch);
  for (auto _ : state) {
    for (auto& p : items) q.try_push(std::move(p));
    q.pop_batch(out, batch, std::chrono::milliseconds(0));
    for (size_t i = 0; i < batch; ++i) items[i] = std::move(out[i]);
    out.clear();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
}
BENCHMARK(BM_queue_push_pop_batch)->Arg(1)->Arg(64)->Arg(256);

// Contended: the timed thread pushes while a consumer thread pops batches as the pipeline does
// (wake_at 64, batches of 256, 50 ms wait). Items are plain integers so that only the queue is
// measured. Counts drops: a full queue must drop, never wait.
void BM_queue_producer_consumer(benchmark::State& state) {
  bounded_queue<uint64_t> q(16384, 64);
  std::thread consumer([&] {
    std::vector<uint64_t> batch;
    batch.reserve(256);
    while (q.pop_batch(batch, 256, std::chrono::milliseconds(50))) batch.clear();
  });
  uint64_t i = 0;
  for (auto _ : state) q.try_push(uint64_t{i++});
  q.close();
  consumer.join();
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["dropped"] = static_cast<double>(q.dropped());
}
BENCHMARK(BM_queue_producer_consumer)->UseRealTime();

// What every call costs before any work is done: the worker's make_unique<exchange>() and the
// destruction of the record once the store and the sinks have let go of it.
void BM_exchange_new_delete(benchmark::State& state) {
  for (auto _ : state) {
    auto x = std::make_unique<exchange>();
    benchmark::DoNotOptimize(x.get());
  }
  state.counters["sizeof"] = sizeof(exchange);
}
BENCHMARK(BM_exchange_new_delete);

}  // namespace
}  // namespace llmtap::bench
