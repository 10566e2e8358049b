#pragma once
// Which calls have their prompt and completion kept, and what of them may leave the process.
// Pipeline thread only. A sampled call gets exchange::sample_input / sample_output: JSON built
// from the captured bodies, every string redacted (keys, bearer tokens, e-mail addresses, card
// numbers, the user's patterns) and cut on a UTF-8 boundary. Nothing else carries prompt text.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/exchange.h"

namespace llmtap::pipeline {

struct sampling_options {
  double rate = 0.1;        // 0 = never, 1 = always
  size_t max_chars = 4096;  // per string, in bytes, cut on a UTF-8 boundary, "..." appended
  bool redact = true;
  std::vector<std::string> patterns;  // extra PCRE2 patterns, replaced by [REDACTED]
};

// Datadog's RateSampler rule, so a trace sampled by the caller's tracer at the same rate is
// sampled here too: keep when (trace_id_lo * 1111111111111111111) mod 2^64 <= rate * 2^64.
bool sampled_at_rate(uint64_t trace_id_lo, double rate);

// Redacts and truncates text; also used on its own by tests and sinks that need it.
class redactor {
 public:
  // Throws std::invalid_argument naming the pattern when one does not compile.
  redactor(bool builtin, const std::vector<std::string>& patterns);
  ~redactor();
  redactor(redactor&&) noexcept;
  // Replaces every match in place; returns how many were replaced.
  size_t apply(std::string& text) const;
  // False when apply() would certainly leave `text` as it is (no rule's cheap test passes): the
  // sampler then writes the text without copying it.
  bool may_change(std::string_view text) const;

 private:
  struct compiled;
  std::vector<std::unique_ptr<compiled>> rules_;
};

// Cuts `s` to at most `max_bytes` bytes without splitting a UTF-8 sequence, appending "..."
// when cut. Invalid UTF-8 is replaced with U+FFFD first.
void truncate_utf8(std::string& s, size_t max_bytes);

namespace sample_text {
struct workspace;
}

class sampler {
 public:
  explicit sampler(const sampling_options& o);
  ~sampler();
  sampler(sampler&&) noexcept;
  // Decides for one call (its trace must be assigned) and fills the sample fields when kept.
  void apply(exchange& x) const;
  uint64_t sampled() const { return sampled_; }

 private:
  sampling_options o_;
  redactor redactor_;
  mutable uint64_t sampled_ = 0;
  // The parser and buffers reused by every sampled call; mutable as apply() is const (the
  // pipeline thread is the only caller).
  std::unique_ptr<sample_text::workspace> ws_;
};

}  // namespace llmtap::pipeline
