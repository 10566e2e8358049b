#pragma once
// Multi-producer, single-consumer bounded queue. Producers (proxy workers) call try_push, which
// never waits for the consumer: a full queue drops the item and counts it (fail-open). The
// consumer (the pipeline or a sink thread) blocks in pop_batch. A mutex guards a ring buffer;
// at the rates a proxy sees (tens of thousands per second) the critical section is a move.
// Waking a sleeping consumer costs the producer a futex syscall and a context switch, so a
// producer wakes it only when `wake_at` items are waiting; below that the consumer picks items up
// when its own wait times out. Records are worth batching; a few milliseconds of delay is not.
// Those timed waits would wake an idle process hundreds of times a second (every consumer, every
// few milliseconds), so a queue that has stayed empty for `idle_after` lets its consumer sleep
// with no time limit; the push that ends the idle wakes it (one futex wake after a quiet spell).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace llmtap {

template <class T>
class bounded_queue {
 public:
  explicit bounded_queue(size_t capacity, size_t wake_at = 1,
                         std::chrono::milliseconds idle_after = kIdleAfter)
      : ring_(capacity ? capacity : 1), wake_at_(wake_at ? wake_at : 1), idle_after_(idle_after) {}

  // How long an empty queue waits before its consumer sleeps until the next push. Longer than
  // the gaps of a steady light load (a streamed call every few tens of ms), which keep the timed
  // waits: the first call after a quiet spell pays the wake-up, not every call.
  static constexpr std::chrono::milliseconds kIdleAfter{250};

  // Returns false (and counts a drop) when full or closed. Never blocks on the consumer.
  bool try_push(T&& item) {
    bool wake;
    {
      std::lock_guard lock(mu_);
      if (closed_ || size_ == ring_.size()) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
      ring_[(head_ + size_) % ring_.size()] = std::move(item);
      ++size_;
      wake = (waiting_ && size_ == wake_at_) || (asleep_ && size_ == 1);
    }
    pushed_.fetch_add(1, std::memory_order_relaxed);
    if (wake) cv_.notify_one();
    return true;
  }

  // Moves up to `max` items into `out` (appended). Waits up to `wait` for `wake_at` items;
  // after `idle_after` of an empty queue, first sleeps until a push (unless `may_sleep` is false:
  // the consumer has periodic work of its own). Returns false once the queue is closed and empty:
  // the consumer is done.
  bool pop_batch(std::vector<T>& out, size_t max, std::chrono::milliseconds wait,
                 bool may_sleep = true) {
    std::unique_lock lock(mu_);
    if (size_ == 0 && !closed_ && may_sleep && empty_since_ &&
        std::chrono::steady_clock::now() - *empty_since_ >= idle_after_) {
      asleep_ = true;
      cv_.wait(lock, [&] { return size_ > 0 || closed_; });
      asleep_ = false;
    }
    if (size_ < wake_at_ && !closed_) {
      waiting_ = true;
      cv_.wait_for(lock, wait, [&] { return size_ >= wake_at_ || closed_; });
      waiting_ = false;
    }
    if (size_ == 0) {
      if (!empty_since_) empty_since_ = std::chrono::steady_clock::now();
      return !closed_;
    }
    empty_since_.reset();
    size_t n = size_ < max ? size_ : max;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(std::move(ring_[head_]));
      head_ = (head_ + 1) % ring_.size();
    }
    size_ -= n;
    popped_.fetch_add(n, std::memory_order_relaxed);
    return true;
  }

  // After close, pushes fail (counted as drops) and the consumer drains what is left.
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

  size_t capacity() const { return ring_.size(); }
  size_t size() const {
    std::lock_guard lock(mu_);
    return size_;
  }
  uint64_t pushed() const { return pushed_.load(std::memory_order_relaxed); }
  uint64_t popped() const { return popped_.load(std::memory_order_relaxed); }
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  // True while the consumer sleeps until the next push (the queue was idle).
  bool consumer_asleep() const {
    std::lock_guard lock(mu_);
    return asleep_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> ring_;
  size_t head_ = 0, size_ = 0;
  const size_t wake_at_;
  const std::chrono::milliseconds idle_after_;
  bool closed_ = false;
  bool waiting_ = false;  // the consumer is in its timed wait
  bool asleep_ = false;   // the consumer sleeps until a push
  // When the consumer first found the queue empty (reset by any item it takes).
  std::optional<std::chrono::steady_clock::time_point> empty_since_;
  std::atomic<uint64_t> pushed_{0}, popped_{0}, dropped_{0};
};

}  // namespace llmtap
