// The rest of the pipeline's per-call work: sampling with redaction (the 10% of calls that are
// kept) and the SQLite store's insert.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "fixtures.h"
#include "pipeline/pipeline.h"
#include "pipeline/sampling.h"
#include "store/row_binding.h"
#include "store/schema.h"
#include "store/sqlite_db.h"

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

// Rows per second into the store: batches of `arg` rows in one transaction, one reused prepared
// statement, as store_writer::write_batch does (a file in $TMPDIR; WAL, the store's pragmas).
void BM_store_insert(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  auto dir = std::filesystem::temp_directory_path() / ("llmtap-micro-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = store::open_store_for_writing((dir / "llmtap.db").string());
    auto ins = store::prepare(db.get(), store::insert_call_sql());
    auto begin = store::prepare(db.get(), "BEGIN IMMEDIATE");
    auto commit = store::prepare(db.get(), "COMMIT");
    std::vector<exchange> rows;
    for (size_t i = 0; i < batch; ++i) {
      rows.push_back(i % 2 ? stream_exchange(true) : json_exchange());
      pipeline::pipeline::enrich(rows.back());
    }
    for (auto _ : state) {
      sqlite3_reset(begin.get());
      sqlite3_step(begin.get());
      for (auto& e : rows) {
        sqlite3_reset(ins.get());
        store::bind_call(ins.get(), e);
        if (sqlite3_step(ins.get()) != SQLITE_DONE) state.SkipWithError("insert failed");
      }
      sqlite3_reset(ins.get());
      sqlite3_clear_bindings(ins.get());
      sqlite3_reset(commit.get());
      if (sqlite3_step(commit.get()) != SQLITE_DONE) state.SkipWithError("commit failed");
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_store_insert)->Arg(64)->Arg(1024)->UseRealTime();

}  // namespace
}  // namespace llmtap::bench
