#include "store/writer.h"

#include <algorithm>

#include "core/clock.h"
#include "core/thread_name.h"
#include "store/row_binding.h"
#include "store/schema.h"

namespace llmtap::store {

store_writer::store_writer(std::string db_path, size_t queue_capacity, size_t batch_size,
                           std::chrono::milliseconds batch_wait)
    : path_(std::move(db_path)),
      batch_size_(batch_size ? batch_size : 1),
      batch_wait_(batch_wait),
      // Woken by a full bite, not by every row: the pipeline offers rows one at a time, and a
      // writer woken per row wrote transactions of a few rows each (about 5 fcntl locks, a WAL
      // frame and a futex wake per call, bench/). A lighter load is picked up within batch_wait.
      queue_(queue_capacity,
             std::min<size_t>({batch_size_, 256, std::max<size_t>(1, queue_capacity / 2)})),
      db_(open_store_for_writing(path_)) {
  insert_ = prepare(db_.get(), insert_call_sql());
  insert_many_ = prepare(db_.get(), insert_calls_sql(kRowsPerInsert));
  begin_ = prepare(db_.get(), "BEGIN IMMEDIATE");
  commit_ = prepare(db_.get(), "COMMIT");
}

store_writer::~store_writer() {
  stop();
}

void store_writer::start() {
  if (started_ || stopped_) return;
  started_ = true;
  thread_ = std::thread([this] {
    name_this_thread("store");
    run();
  });
}

void store_writer::stop() {
  if (stopped_) return;
  stopped_ = true;
  queue_.close();
  if (started_) {
    thread_.join();
  } else {
    run();  // nothing else will ever drain what was offered
  }
}

bool store_writer::offer(item e) {
  if (!e) return false;
  return queue_.try_push(std::move(e));
}

void store_writer::run() {
  std::vector<item> batch;
  batch.reserve(batch_size_);
  for (;;) {
    batch.clear();
    bool more = queue_.pop_batch(batch, batch_size_, batch_wait_);
    if (!batch.empty()) write_batch(batch);
    if (!more) break;  // closed and drained
  }
}

// A failed batch is rolled back and counted; the thread carries on with the next one, so a
// transient disk-full or lock timeout costs one batch, not the store.
void store_writer::write_batch(const std::vector<item>& batch) {
  sqlite3* db = db_.get();
  auto fail = [&] {
    if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    errors_.fetch_add(1, std::memory_order_relaxed);
    failed_rows_.fetch_add(batch.size(), std::memory_order_relaxed);
  };
  sqlite3_reset(begin_.get());
  if (sqlite3_step(begin_.get()) != SQLITE_DONE) return fail();
  // Strings are bound without copying (SQLITE_STATIC); the bindings are dropped before the batch
  // is freed, also when a step fails.
  auto unbind = [this] {
    for (sqlite3_stmt* s : {insert_.get(), insert_many_.get()}) {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  };
  auto step = [](sqlite3_stmt* s) {
    bool ok = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_reset(s);
    return ok;
  };
  // One reading for the transaction: written_unix_ms only has to rise with seq (query.cpp).
  const int64_t written_ms = wall_ns() / 1'000'000;
  size_t i = 0;
  for (; i + kRowsPerInsert <= batch.size(); i += kRowsPerInsert) {
    for (size_t r = 0; r < kRowsPerInsert; ++r) {
      prefetch_ahead(batch, i + r);
      bind_call(insert_many_.get(), *batch[i + r], written_ms, r);
    }
    if (!step(insert_many_.get())) {
      unbind();
      return fail();
    }
  }
  for (; i < batch.size(); ++i) {
    prefetch_ahead(batch, i);
    bind_call(insert_.get(), *batch[i], written_ms);
    if (!step(insert_.get())) {
      unbind();
      return fail();
    }
  }
  unbind();
  sqlite3_reset(commit_.get());
  if (sqlite3_step(commit_.get()) != SQLITE_DONE) return fail();
  written_.fetch_add(batch.size(), std::memory_order_relaxed);
}

}  // namespace llmtap::store
