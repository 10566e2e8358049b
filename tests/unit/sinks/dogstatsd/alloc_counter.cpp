// Its own translation unit: inlined replacement operators make GCC warn about malloc/free
// pairing it cannot see (-Wmismatched-new-delete).
#include "alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {
thread_local size_t t_allocations = 0;
}

namespace llmtap::sinks::test {
size_t allocation_count() {
  return t_allocations;
}
}  // namespace llmtap::sinks::test

// Every pointer our delete frees must come from malloc (ASan checks pairs): nothrow new too.
void* operator new(size_t n) {
  ++t_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  ++t_allocations;
  return std::malloc(n ? n : 1);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
