// Shared by the unit tests that check a path makes no heap allocation once warm.
#pragma once
#include <cstddef>

namespace llmtap::test {
// Heap allocations made by this thread so far (global operator new is replaced in this binary),
// so the relay path's "no allocation in steady state" promise can be tested.
size_t allocation_count();
}  // namespace llmtap::test
