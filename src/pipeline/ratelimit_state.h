#pragma once
// The latest rate-limit state per (upstream, API key identity, model), from the x-ratelimit-*
// response headers. The pipeline thread updates it; readers (admin, monitors) take snapshots.
// A value the upstream did not send (or sent negative) is unknown (-1) and does not erase a
// value seen earlier: the headers are not on every response.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/exchange.h"

namespace llmtap::pipeline {

struct ratelimit_key {
  std::string upstream, key_hash, model;
  auto operator<=>(const ratelimit_key&) const = default;
};

// Orders keys as ratelimit_key's own <=> does, and lets a call's fields be looked up as views:
// building an owning key per call cost two allocations (model names and key hashes are longer
// than the short-string buffer).
struct ratelimit_key_view {
  std::string_view upstream, key_hash, model;
};
struct ratelimit_key_order {
  using is_transparent = void;
  template <class K>  // ratelimit_key or ratelimit_key_view
  static std::tuple<std::string_view, std::string_view, std::string_view> tie(const K& k) {
    return {k.upstream, k.key_hash, k.model};
  }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return tie(a) < tie(b);
  }
};

struct ratelimit_entry {
  ratelimit_key key;
  std::string key_label;
  int64_t limit_requests = -1, remaining_requests = -1, limit_tokens = -1, remaining_tokens = -1;
  int64_t reset_requests_at_unix_ms = -1;  // when the request budget is full again
  int64_t reset_tokens_at_unix_ms = -1;
  int64_t observed_unix_ms = 0;
};

class ratelimit_state {
 public:
  void update(const exchange& x);
  std::vector<ratelimit_entry> snapshot() const;
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<ratelimit_key, ratelimit_entry, ratelimit_key_order> entries_;
  static constexpr size_t kMaxEntries = 10'000;  // bounded: keys x models cannot grow forever
};

}  // namespace llmtap::pipeline
