#pragma once
// For tests of threads: polls a condition that another thread makes true, every millisecond,
// for up to `limit`. Returns whether it became true.
#include <chrono>
#include <thread>

namespace llmtap::test_support {

template <class Condition>
bool eventually(Condition cond, std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(std::chrono::milliseconds(1)))
    if (cond()) return true;
  return cond();
}

}  // namespace llmtap::test_support
