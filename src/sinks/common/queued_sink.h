#pragma once
// The usual shape of a sink: a bounded queue the pipeline offers into and one thread that takes
// batches off it and sends them. Subclasses implement deliver() (and tick() for periodic work
// such as metric exports or retries); counting of received and dropped is done here.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"
#include "sinks/sink.h"

namespace llmtap::sinks {

class queued_sink : public sink {
 public:
  using item = std::shared_ptr<const exchange>;
  // `flush_every`: the longest a call waits in the queue before deliver() sees it; also the
  // tick() period. `max_batch`: the most calls one deliver() gets.
  queued_sink(size_t capacity, std::chrono::milliseconds flush_every, size_t max_batch);
  ~queued_sink() override;

  bool offer(const item& x) override;
  void start() override;
  void stop(std::chrono::milliseconds drain) override;
  // True while the thread sleeps until the next call: idle, with nothing held for a tick.
  bool asleep() const { return queue_.consumer_asleep(); }

 protected:
  // Sink thread: send one non-empty batch. Count sent/errors/dropped in counters_.
  virtual void deliver(std::vector<item>& batch) = 0;
  // Sink thread: called about every `flush_every`, and once more at stop (`final` = true)
  // after the last deliver(), for buffered or periodic data. Returns whether it holds data for
  // a later tick: while it does not and no call comes, the thread sleeps (no wake-ups when idle).
  virtual bool tick(bool final) {
    (void) final;
    return false;
  }
  // True once stop() began: long retries should give up.
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }
  // When stop() must be finished by: deliver() and tick() should not block past it.
  std::chrono::steady_clock::time_point drain_deadline() const {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns_.load()));
  }

 private:
  void run();

  bounded_queue<item> queue_;
  std::chrono::milliseconds flush_every_;
  size_t max_batch_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  // stop() sets it, the sink thread reads it: nanoseconds since the steady clock's epoch.
  std::atomic<int64_t> deadline_ns_{INT64_MAX};
};

}  // namespace llmtap::sinks
