#pragma once
// The pipeline thread: takes finished exchanges from the proxy, parses what the workers only
// captured (models, usage, finish reason, error type), and hands each one to the store (and, as
// they arrive, to the other sinks). Never blocks a producer; hand-offs downstream are try_push.
#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

#include <vector>

#include "core/exchange_queue.h"
#include "pipeline/ratelimit_state.h"
#include "pipeline/sampling.h"
#include "pricing/pricing.h"
#include "sinks/sink.h"
#include "store/writer.h"

namespace llmtap::pipeline {

class pipeline {
 public:
  struct options {
    store::store_writer* store = nullptr;
    const pricing::pricing* prices = nullptr;  // null: every call is unpriced
    bool debug = false;  // one line per call on stderr (never a key, never body text)
    std::vector<sinks::sink*> sinks;  // each gets every call after the store; not owned
    sampling_options sampling;
  };
  pipeline(exchange_queue& in, options o);
  ~pipeline();
  pipeline(const pipeline&) = delete;
  pipeline& operator=(const pipeline&) = delete;

  void start();
  // Closes the input queue, processes everything still in it, then returns. Call after the
  // producers (proxy workers) have stopped.
  void stop();

  uint64_t processed() const { return processed_.load(std::memory_order_relaxed); }
  uint64_t unpriced() const { return unpriced_.load(std::memory_order_relaxed); }
  const ratelimit_state& ratelimits() const { return ratelimits_; }

  // Parses one exchange's captures in place (also used by tests).
  static void enrich(exchange& x);
  static std::string describe(const exchange& x);

 private:
  void run();
  void assign_trace(exchange& x);
  exchange_queue& in_;
  options o_;
  sampler sampler_;
  uint64_t rng_state_;
  std::thread thread_;
  std::atomic<uint64_t> processed_{0}, unpriced_{0};
  ratelimit_state ratelimits_;
};

}  // namespace llmtap::pipeline
