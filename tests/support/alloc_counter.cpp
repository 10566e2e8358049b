// Kept in its own translation unit: with the replacement operators inlined into callers, GCC
// warns about malloc/free pairing it cannot see is consistent (-Wmismatched-new-delete).
#include "alloc_counter.h"

#include <cstdlib>
#include <new>

namespace {
thread_local size_t t_allocations = 0;
}

namespace llmtap::test {
size_t allocation_count() {
  return t_allocations;
}
}  // namespace llmtap::test

// Every allocation our operator delete may free must come from malloc (ASan checks the pairs),
// so the nothrow form is replaced too.
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
