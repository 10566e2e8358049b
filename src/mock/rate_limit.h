#pragma once
// OpenAI-style rate-limit buckets for the mock. Shared by every session thread, hence the mutex:
// the mock's cost per call is dominated by JSON and I/O, not by this lock.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace llmtap::mock {

// Go's time.Duration.String() at millisecond precision: "0s", "6ms", "1.2s", "6m0s", "1h2m3.5s".
// OpenAI's x-ratelimit-reset-* headers use that format, so proxies must parse exactly this.
std::string go_duration(std::chrono::milliseconds d);

struct rate_limit_snapshot {
  uint64_t limit_requests = 0;
  uint64_t limit_tokens = 0;
  uint64_t remaining_requests = 0;
  uint64_t remaining_tokens = 0;
  std::chrono::milliseconds reset_requests{0};  // time until the bucket is full again
  std::chrono::milliseconds reset_tokens{0};
};

// Two token buckets refilled continuously at limit/window, like the real API: one call costs one
// request and its total tokens, so remaining budgets drop per call and climb back over time.
// Buckets never go below zero; the mock reports but does not enforce (benchmarks would stall).
class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;
  rate_limiter(uint64_t requests_limit, uint64_t tokens_limit, std::chrono::milliseconds window);
  rate_limit_snapshot consume(uint64_t tokens, clock::time_point now = clock::now());

 private:
  std::mutex mu_;
  double req_limit_, tok_limit_;
  double req_level_, tok_level_;
  double window_ms_;
  clock::time_point last_;
};

}  // namespace llmtap::mock
