#pragma once
// Exchanges are recycled rather than freed. A call allocates a dozen buffers (the captured
// bodies, the stream's events, path, request id, model names...); the worker allocated them and
// whichever thread let go of the record last (the store or a sink) freed them. With glibc's
// per-thread arenas and caches that producer/consumer pattern always takes malloc's slow paths:
// ~10% of llmtap's CPU per call went to malloc and free (perf, 2026-12-06). A recycled exchange
// comes back cleared, with its buffers' capacity kept, so a steady stream of calls allocates
// nothing for them. Any thread may take and give back; a short mutex guards the free list.
#include <memory>

#include "core/exchange.h"

namespace llmtap {

// A cleared exchange: a recycled one when there is one, else a new one.
std::unique_ptr<exchange> take_exchange();

// Clears `x` (buffers larger than kRecycleKeepBytes are released) and keeps it for a later
// take_exchange(), or frees it when kRecycleMax are kept already.
void recycle_exchange(exchange* x) noexcept;

// Clears every field to its default, keeping string buffers of at most `keep_bytes`.
void clear_keeping_buffers(exchange& x, size_t keep_bytes);

// Frees kept exchanges beyond `keep`; returns how many. The memory-release thread calls it when a
// burst is over, so that the exchanges of a peak do not stay resident.
size_t trim_recycled(size_t keep) noexcept;

// Under load about a thousand records are alive at once (the store's batch and queue, the
// DogStatsD sink's), and they come back in bursts of a batch: a smaller list overflowed, then ran
// dry, and most calls allocated again.
inline constexpr size_t kRecycleMax = 1024;             // exchanges kept (~2-10 KB each)
inline constexpr size_t kRecycleKeepBytes = 32 * 1024;  // a buffer above this is freed

// The deleter for a shared exchange: it goes back to the free list.
struct exchange_recycler {
  void operator()(const exchange* x) const noexcept { recycle_exchange(const_cast<exchange*>(x)); }
};

}  // namespace llmtap
