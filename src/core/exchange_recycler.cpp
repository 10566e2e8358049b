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

void keep_buffer(std::string& from, std::string& into, size_t keep_bytes) {
  if (from.capacity() > keep_bytes) {
    std::string().swap(from);  // freed: one huge body must not stay pinned in the free list
    return;
  }
  from.clear();
  into.swap(from);
}

// Every string member must be in the list below (a move-assignment from an empty string keeps the
// target's buffer, so a string left off would keep any size of buffer). A new member changes the
// size: look at the list, then update the number.
static_assert(sizeof(void*) != 8 || sizeof(exchange) == 1304,
              "exchange changed: update clear_keeping_buffers");

}  // namespace

void clear_keeping_buffers(exchange& x, size_t keep_bytes) {
  // Each string's buffer is parked in `fresh` (or freed when too large); the assignment then
  // resets every field, strings included, to its default.
  exchange fresh;
  for (auto [from, into] : {
           std::pair{&x.method, &fresh.method},
           std::pair{&x.path, &fresh.path},
           std::pair{&x.upstream, &fresh.upstream},
           std::pair{&x.deployment, &fresh.deployment},
           std::pair{&x.organization, &fresh.organization},
           std::pair{&x.organization_name, &fresh.organization_name},
           std::pair{&x.project, &fresh.project},
           std::pair{&x.key_label, &fresh.key_label},
           std::pair{&x.key_hash, &fresh.key_hash},
           std::pair{&x.service, &fresh.service},
           std::pair{&x.env, &fresh.env},
           std::pair{&x.version, &fresh.version},
           std::pair{&x.request_content_type, &fresh.request_content_type},
           std::pair{&x.request_body.bytes, &fresh.request_body.bytes},
           std::pair{&x.request_id, &fresh.request_id},
           std::pair{&x.response_body.bytes, &fresh.response_body.bytes},
           std::pair{&x.stream_content.bytes, &fresh.stream_content.bytes},
           std::pair{&x.proxy_error, &fresh.proxy_error},
           std::pair{&x.model_requested, &fresh.model_requested},
           std::pair{&x.model_served, &fresh.model_served},
           std::pair{&x.finish_reason, &fresh.finish_reason},
           std::pair{&x.error_type, &fresh.error_type},
           std::pair{&x.error_code, &fresh.error_code},
           std::pair{&x.sample_input, &fresh.sample_input},
           std::pair{&x.sample_output, &fresh.sample_output},
       })
    keep_buffer(*from, *into, keep_bytes);
  for (size_t i = 0; i < x.events.size(); ++i)
    keep_buffer(x.events[i], fresh.events[i], keep_bytes);
  x = std::move(fresh);
}

std::unique_ptr<exchange> take_exchange() {
  free_list& list = recycled();
  {
    std::lock_guard lock(list.m);
    if (!list.kept.empty()) {
      exchange* x = list.kept.back();
      list.kept.pop_back();
      return std::unique_ptr<exchange>(x);
    }
  }
  return std::make_unique<exchange>();
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
