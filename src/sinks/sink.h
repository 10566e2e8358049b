#pragma once
// What every exporter looks like to the pipeline. The pipeline thread offers each finished,
// enriched call to every sink; offer() never blocks (a full queue drops the call and counts it).
// Each sink sends from its own thread, so a slow or dead target never slows the proxy or the
// other sinks. `info` calls check() to test the target live.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/exchange.h"

namespace llmtap::sinks {

// received: calls offered; sent: calls (or datapoints) delivered; errors: failed sends;
// dropped: calls given up on (queue full, retries exhausted, shutdown). Exported on /metrics.
struct sink_counters {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> dropped{0};
};

struct check_result {
  bool ok = false;
  std::string detail;  // what was checked, or the error ("connection refused"...)
};

class sink {
 public:
  virtual ~sink() = default;
  virtual const char* name() const = 0;  // "dogstatsd", "datadog_apm", "otlp"... (a label value)
  virtual std::string target() const = 0;  // where it sends, without secrets
  // Pipeline thread. Never blocks; returns false when the call was dropped.
  virtual bool offer(const std::shared_ptr<const exchange>& x) = 0;
  virtual void start() {}
  // Stops taking calls, sends what is queued for at most `drain`, then joins its thread.
  virtual void stop(std::chrono::milliseconds drain) = 0;
  // Blocking live check of the target, for `llmtap info`. Never on the hot path.
  virtual check_result check() = 0;
  const sink_counters& counters() const { return counters_; }

 protected:
  sink_counters counters_;
};

}  // namespace llmtap::sinks
