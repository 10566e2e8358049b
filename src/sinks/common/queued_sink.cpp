#include "sinks/common/queued_sink.h"

#include <fmt/format.h>

#include "core/debug_log.h"
#include "core/thread_name.h"

namespace llmtap::sinks {

queued_sink::queued_sink(size_t capacity, std::chrono::milliseconds flush_every, size_t max_batch)
    // Wake the thread early only when a batch is full; otherwise the flush interval picks calls up.
    : queue_(capacity, max_batch), flush_every_(flush_every), max_batch_(max_batch) {}

queued_sink::~queued_sink() {
  // A subclass must call stop() in its own destructor (deliver() is pure virtual by now); this
  // only guards against a thread left running.
  if (thread_.joinable()) {
    queue_.close();
    thread_.join();
  }
}

bool queued_sink::offer(const item& x) {
  counters_.received.fetch_add(1, std::memory_order_relaxed);
  item copy = x;
  if (queue_.try_push(std::move(copy))) return true;
  counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  if (debug_enabled())
    debug_line(fmt::format("{}: dropped call {:x}: queue full ({} queued)", name(), x->id,
                           queue_.capacity()));
  return false;
}

void queued_sink::start() {
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      name_this_thread(std::string("sink-") + name());
      run();
    });
}

void queued_sink::stop(std::chrono::milliseconds drain) {
  if (!thread_.joinable()) return;
  deadline_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                         (std::chrono::steady_clock::now() + drain).time_since_epoch())
                         .count());
  stopping_.store(true, std::memory_order_relaxed);
  queue_.close();
  thread_.join();
}

void queued_sink::run() {
  std::vector<item> batch;
  batch.reserve(max_batch_);
  auto next_tick = std::chrono::steady_clock::now() + flush_every_;
  bool tick_pending = false;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    // Rounded up: a wait truncated to 0 ms returned at once, several times before each tick.
    auto wait = next_tick > now ? std::chrono::ceil<std::chrono::milliseconds>(next_tick - now)
                                : std::chrono::milliseconds(0);
    bool open = queue_.pop_batch(batch, max_batch_, wait, !tick_pending);
    if (!batch.empty()) {
      if (stopping() && std::chrono::steady_clock::now() > drain_deadline()) {
        counters_.dropped.fetch_add(batch.size(), std::memory_order_relaxed);
        debug_line(
            fmt::format("{}: dropped {} calls: shutdown drain time is over", name(), batch.size()));
      } else {
        deliver(batch);
      }
      batch.clear();
    }
    if (!open) break;
    if (std::chrono::steady_clock::now() >= next_tick) {
      tick_pending = tick(false);
      next_tick = std::chrono::steady_clock::now() + flush_every_;
    }
  }
  tick(true);
}

}  // namespace llmtap::sinks
