#pragma once
// `--debug`: one line per payload sent and per drop, with its reason, on stderr. Off by default;
// set once at startup. Callers must pass only facts: never a key, a header value or prompt text
// that was not sampled.
#include <atomic>
#include <cstdio>
#include <string>
#include <string_view>

namespace llmtap {

inline std::atomic<bool>& debug_enabled() {
  static std::atomic<bool> on{false};
  return on;
}

inline void debug_line(std::string_view what) {
  if (!debug_enabled().load(std::memory_order_relaxed)) return;
  // One fwrite per line: stdio locks the stream, so lines from threads do not interleave.
  std::string line = "llmtap debug: ";
  line.append(what).push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace llmtap
