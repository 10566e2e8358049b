// The SQLite store's insert: rows per second into a real file (WAL, the store's pragmas), as
// store_writer::write_batch does it: one transaction per batch, reused prepared statements,
// `rows` calls bound into each INSERT.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "fixtures.h"
#include "pipeline/pipeline.h"
#include "store/row_binding.h"
#include "store/schema.h"
#include "store/sqlite_db.h"

namespace llmtap::bench {
namespace {

constexpr int64_t kWrittenMs = 1'700'000'000'000;

void BM_store_insert_rows(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  const size_t per_insert = static_cast<size_t>(state.range(1));
  auto dir =
      std::filesystem::temp_directory_path() / ("llmtap-micro-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    auto db = store::open_store_for_writing((dir / "llmtap.db").string());
    auto one = store::prepare(db.get(), store::insert_call_sql());
    auto many = store::prepare(db.get(), store::insert_calls_sql(per_insert));
    auto begin = store::prepare(db.get(), "BEGIN IMMEDIATE");
    auto commit = store::prepare(db.get(), "COMMIT");
    std::vector<exchange> rows;
    for (size_t i = 0; i < batch; ++i) {
      rows.push_back(i % 2 ? stream_exchange(true) : json_exchange());
      pipeline::pipeline::enrich(rows.back());
    }
    auto step = [&](sqlite3_stmt* s) {
      if (sqlite3_step(s) != SQLITE_DONE) state.SkipWithError("insert failed");
      sqlite3_reset(s);
    };
    for (auto _ : state) {
      sqlite3_reset(begin.get());
      sqlite3_step(begin.get());
      size_t i = 0;
      for (; i + per_insert <= rows.size(); i += per_insert) {
        for (size_t r = 0; r < per_insert; ++r) store::bind_call(many.get(), rows[i + r], kWrittenMs, r);
        step(many.get());
      }
      for (; i < rows.size(); ++i) {
        store::bind_call(one.get(), rows[i], kWrittenMs);
        step(one.get());
      }
      sqlite3_clear_bindings(one.get());
      sqlite3_clear_bindings(many.get());
      sqlite3_reset(commit.get());
      if (sqlite3_step(commit.get()) != SQLITE_DONE) state.SkipWithError("commit failed");
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * batch));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_store_insert_rows)
    ->Args({1024, 1})
    ->Args({1024, 4})
    ->Args({1024, 16})
    ->Args({1024, 64})
    ->Args({64, 16})
    ->UseRealTime();

}  // namespace
}  // namespace llmtap::bench
