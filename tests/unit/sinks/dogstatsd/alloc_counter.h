#pragma once
#include <cstddef>

namespace llmtap::sinks::test {
// Heap allocations made by this thread so far (global operator new is replaced in this binary),
// so "the encoder allocates nothing once its buffers have grown" can be tested.
size_t allocation_count();
}  // namespace llmtap::sinks::test
