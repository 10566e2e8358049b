#include "app/memory_release.h"

#include <malloc.h>

#include <fmt/format.h>

#include "core/debug_log.h"
#include "core/exchange_recycler.h"
#include "core/thread_name.h"

namespace llmtap {
namespace {
// Recycled exchanges kept once a burst is over: enough for the next calls to find buffers.
constexpr size_t kRecycleKeepAfterBurst = 64;
}  // namespace

bool memory_release::rule::check(size_t open) {
  if (open > peak) peak = open;
  if (peak < min_peak || open > peak / 2) return false;
  peak = open;  // the next trim waits for the next burst
  return true;
}

memory_release::memory_release(std::function<size_t()> open_connections, options o)
    : open_(std::move(open_connections)), o_(o) {}

memory_release::~memory_release() {
  stop();
}

void memory_release::start() {
  if (!thread_.joinable())
    thread_ = std::thread([this] {
      name_this_thread("memory-release");
      run();
    });
}

void memory_release::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void memory_release::run() {
  rule r{o_.min_peak};
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, o_.every, [this] { return stop_; })) {
    size_t open = open_();
    size_t peak = r.peak;
    if (!r.check(open)) continue;
    trim_recycled(kRecycleKeepAfterBurst);
    malloc_trim(0);
    ++trims_;
    if (debug_enabled())
      debug_line(fmt::format(
          "memory: {} connections open (peak {}): freed heap pages returned to the system", open,
          peak));
  }
}

}  // namespace llmtap
