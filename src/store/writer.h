#pragma once
// The SQLite store's one writer. The pipeline thread calls offer(); that never waits for the
// disk: a full queue drops the call and counts it. One writer thread owns the connection and
// writes each popped batch in one transaction with reused prepared statements, which is what
// makes a six-figure rows/s rate possible on SQLite. Rows go kRowsPerInsert to an INSERT: the
// statement's own overhead (reset, halt) is paid once for all of them (~10% of a row's cost,
// bench/micro BM_store_insert_rows).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "core/exchange.h"
#include "store/sqlite_db.h"

namespace llmtap::store {

class store_writer {
 public:
  using item = std::shared_ptr<const exchange>;

  // Opens (creates, migrates) the store now so that a bad path or a too-new file fails at
  // startup with a clear store_error, not later on the writer thread.
  store_writer(std::string db_path, size_t queue_capacity = 65536, size_t batch_size = 512,
               std::chrono::milliseconds batch_wait = std::chrono::milliseconds(10));
  ~store_writer();  // stop()
  store_writer(const store_writer&) = delete;
  store_writer& operator=(const store_writer&) = delete;

  void start();
  // Closes the queue, writes everything still queued, commits, joins. Idempotent. If start() was
  // never called, the drain happens on the calling thread.
  void stop();

  // Any thread. Never blocks on the writer: false when the queue is full or stopped (counted in
  // dropped()) or when `e` is null.
  bool offer(item e);

  uint64_t written() const { return written_.load(std::memory_order_relaxed); }  // committed rows
  uint64_t dropped() const { return queue_.dropped(); }  // refused by a full/closed queue
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }  // failed batches
  uint64_t failed_rows() const { return failed_rows_.load(std::memory_order_relaxed); }
  size_t queued() const { return queue_.size(); }
  const std::string& path() const { return path_; }

 private:
  void run();
  void write_batch(const std::vector<item>& batch);

  std::string path_;
  size_t batch_size_;
  std::chrono::milliseconds batch_wait_;
  bounded_queue<item> queue_;
  db_ptr db_;
  static constexpr size_t kRowsPerInsert = 16;  // 16 x 56 parameters: far under SQLite's 32766
  stmt_ptr insert_, insert_many_, begin_, commit_;
  std::thread thread_;
  bool started_ = false, stopped_ = false;  // touched only by the owner's start/stop
  std::atomic<uint64_t> written_{0}, errors_{0}, failed_rows_{0};
};

}  // namespace llmtap::store
