#include "mock/rate_limit.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace llmtap::mock {

std::string go_duration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms <= 0) return "0s";
  if (ms < 1000) return fmt::format("{}ms", ms);
  int64_t h = ms / 3600000;
  int64_t m = (ms / 60000) % 60;
  int64_t s = (ms / 1000) % 60;
  int64_t frac = ms % 1000;
  std::string sec = std::to_string(s);
  if (frac != 0) {
    std::string f = fmt::format("{:03}", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    sec += "." + f;
  }
  if (h > 0) return fmt::format("{}h{}m{}s", h, m, sec);
  if (m > 0) return fmt::format("{}m{}s", m, sec);
  return sec + "s";
}

rate_limiter::rate_limiter(uint64_t requests_limit, uint64_t tokens_limit,
                           std::chrono::milliseconds window)
    : req_limit_(static_cast<double>(std::max<uint64_t>(requests_limit, 1))),
      tok_limit_(static_cast<double>(std::max<uint64_t>(tokens_limit, 1))),
      req_level_(req_limit_),
      tok_level_(tok_limit_),
      window_ms_(static_cast<double>(std::max<int64_t>(window.count(), 1))),
      last_(clock::now()) {}

rate_limit_snapshot rate_limiter::consume(uint64_t tokens, clock::time_point now) {
  std::lock_guard lock(mu_);
  double elapsed_ms = std::chrono::duration<double, std::milli>(now - last_).count();
  if (elapsed_ms > 0) {
    req_level_ = std::min(req_limit_, req_level_ + elapsed_ms * req_limit_ / window_ms_);
    tok_level_ = std::min(tok_limit_, tok_level_ + elapsed_ms * tok_limit_ / window_ms_);
    last_ = now;
  }
  req_level_ = std::max(0.0, req_level_ - 1.0);
  tok_level_ = std::max(0.0, tok_level_ - static_cast<double>(tokens));
  auto reset = [this](double limit, double level) {
    double ms = (limit - level) * window_ms_ / limit;
    return std::chrono::milliseconds(static_cast<int64_t>(std::llround(ms)));
  };
  rate_limit_snapshot s;
  s.limit_requests = static_cast<uint64_t>(req_limit_);
  s.limit_tokens = static_cast<uint64_t>(tok_limit_);
  s.remaining_requests = static_cast<uint64_t>(std::floor(req_level_));
  s.remaining_tokens = static_cast<uint64_t>(std::floor(tok_level_));
  s.reset_requests = reset(req_limit_, req_level_);
  s.reset_tokens = reset(tok_limit_, tok_level_);
  return s;
}

}  // namespace llmtap::mock
