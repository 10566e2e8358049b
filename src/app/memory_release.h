#pragma once
// Gives freed memory back to the system after a burst of connections has closed.
//
// Why: 1000 open streams grow the heap by ~40 MB (buffers, parsers, captures). When they close,
// glibc keeps the freed chunks for reuse, and a heap whose top is pinned by one live allocation
// cannot shrink, so RSS stayed ~30 MB above its idle level. malloc_trim(0) returns every free
// page, also from the middle of the heaps, but walks them all: it runs only when the number of
// open connections has fallen to half of its peak (at least `min_peak` connections), checked
// once per `every`, so steady traffic never pays for it.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace llmtap {

class memory_release {
 public:
  struct options {
    std::chrono::milliseconds every{1000};
    size_t min_peak = 64;
  };
  // `open_connections` is read from this object's thread.
  memory_release(std::function<size_t()> open_connections, options o);
  ~memory_release();
  void start();
  void stop();
  size_t trims() const { return trims_; }  // how many times memory was given back (tests)

  // The decision, pure: call once per check with the current count; true = trim now.
  struct rule {
    size_t min_peak;
    size_t peak = 0;
    bool check(size_t open);
  };

 private:
  void run();
  std::function<size_t()> open_;
  options o_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  size_t trims_ = 0;
  std::thread thread_;
};

}  // namespace llmtap
