#include "core/exchange_recycler.h"

#include <mutex>
#include <vector>

namespace llmtap {
namespace {

struct free_list {
  std::mutex m;
  std::vector<exchange*> kept;
  free_list() { kept.reserve(kRecycleMax); }
  ~free_list() {
    for (exchange* x : kept) delete x;
  }
};

free_list& recycled() {
  static free_list list;
  return list;
}

void clear_buffer(std::string& s, size_t keep_bytes) {
  if (s.capacity() > keep_bytes)
    std::string().swap(s);  // freed: one huge body must not stay pinned in the free list
  else
    s.clear();
}

// Every member is reset below, one by one (building a default exchange and assigning it cost
// ~2,000 instructions a call). A new member changes the size: reset it here, then update the
// number.
static_assert(sizeof(void*) != 8 || sizeof(exchange) == 1368,
              "exchange changed: update clear_keeping_buffers");

// A recycled exchange was last touched by another thread, and the worker is about to write it:
// its struct and the start of its body buffers are asked for with the intent to write, while the
// session waits for the request (same-run A/B: 1.49x -> 1.45x nginx, bench/README.md, "Session 6").
void prefetch_to_fill(const exchange& x) noexcept {
  const char* p = reinterpret_cast<const char*>(&x);
  for (size_t off = 0; off < sizeof(exchange); off += 64) __builtin_prefetch(p + off, 1);
  for (const std::string* b : {&x.request_body.bytes, &x.response_body.bytes})
    for (size_t off = 0; off < b->capacity() && off < 2048; off += 64)
      __builtin_prefetch(b->data() + off, 1);
}

}  // namespace

void clear_keeping_buffers(exchange& x, size_t keep_bytes) {
  for (std::string* s : {&x.method,
                         &x.path,
                         &x.upstream,
                         &x.deployment,
                         &x.organization,
                         &x.organization_name,
                         &x.project,
                         &x.key_label,
                         &x.key_hash,
                         &x.service,
                         &x.env,
                         &x.version,
                         &x.request_content_type,
                         &x.request_body.bytes,
                         &x.request_id,
                         &x.response_body.bytes,
                         &x.stream_content.bytes,
                         &x.proxy_error,
                         &x.model_requested,
                         &x.model_served,
                         &x.finish_reason,
                         &x.error_type,
                         &x.error_code,
                         &x.sample_input,
                         &x.sample_output})
    clear_buffer(*s, keep_bytes);
  for (std::string& e : x.events) clear_buffer(e, keep_bytes);
  static const exchange defaults;
  x.id = defaults.id;
  x.wall_start_unix_ns = defaults.wall_start_unix_ns;
  x.t = defaults.t;
  x.inside_ns = defaults.inside_ns;
  x.ep = defaults.ep;
  x.retry_count = defaults.retry_count;
  x.request_bytes = defaults.request_bytes;
  x.request_body.truncated = defaults.request_body.truncated;
  x.include_usage_injected = defaults.include_usage_injected;
  x.request_parsed = defaults.request_parsed;
  x.status = defaults.status;
  x.stream = defaults.stream;
  x.processing_ms = defaults.processing_ms;
  x.limits = defaults.limits;
  x.response_bytes = defaults.response_bytes;
  x.response_body.truncated = defaults.response_body.truncated;
  x.stream_content.truncated = defaults.stream_content.truncated;
  x.event_count = defaults.event_count;
  x.event_places = defaults.event_places;
  x.result = defaults.result;
  x.trace = defaults.trace;
  x.stream_requested = defaults.stream_requested;
  x.include_usage_requested = defaults.include_usage_requested;
  x.usage = defaults.usage;
  x.cost_nano_usd = defaults.cost_nano_usd;
  x.sampled = defaults.sampled;
}

std::unique_ptr<exchange> take_exchange() {
  free_list& list = recycled();
  exchange* x = nullptr;
  {
    std::lock_guard lock(list.m);
    if (!list.kept.empty()) {
      x = list.kept.back();
      list.kept.pop_back();
    }
  }
  if (x == nullptr) return std::make_unique<exchange>();
  prefetch_to_fill(*x);
  return std::unique_ptr<exchange>(x);
}

size_t trim_recycled(size_t keep) noexcept {
  std::vector<exchange*> extra;
  {
    free_list& list = recycled();
    std::lock_guard lock(list.m);
    while (list.kept.size() > keep) {
      extra.push_back(list.kept.back());
      list.kept.pop_back();
    }
  }
  for (exchange* x : extra) delete x;  // outside the lock
  return extra.size();
}

void recycle_exchange(exchange* x) noexcept {
  if (x == nullptr) return;
  clear_keeping_buffers(*x, kRecycleKeepBytes);  // outside the lock: this is the long part
  free_list& list = recycled();
  {
    std::lock_guard lock(list.m);
    if (list.kept.size() < kRecycleMax) {
      list.kept.push_back(x);
      return;
    }
  }
  delete x;
}

}  // namespace llmtap
