#include "pipeline/ratelimit_state.h"

namespace llmtap::pipeline {

namespace {
void keep_known(int64_t& slot, int64_t v) {
  if (v >= 0) slot = v;
}
}  // namespace

void ratelimit_state::update(const exchange& x) {
  const auto& l = x.limits;
  if (l.limit_requests < 0 && l.limit_tokens < 0 && l.remaining_requests < 0 &&
      l.remaining_tokens < 0)
    return;
  int64_t now_ms = (x.wall_start_unix_ns + (x.t.first_byte - x.t.accepted)) / 1'000'000;
  const ratelimit_key_view k{x.upstream, x.key_hash,
                             x.model_served.empty() ? x.model_requested : x.model_served};
  std::lock_guard lock(mu_);
  auto it = entries_.find(k);
  if (it == entries_.end()) {
    if (entries_.size() >= kMaxEntries) return;
    ratelimit_key owned{std::string(k.upstream), std::string(k.key_hash), std::string(k.model)};
    it = entries_.emplace(owned, ratelimit_entry{owned}).first;
  }
  auto& e = it->second;
  e.key_label = x.key_label;
  keep_known(e.limit_requests, l.limit_requests);
  keep_known(e.remaining_requests, l.remaining_requests);
  keep_known(e.limit_tokens, l.limit_tokens);
  keep_known(e.remaining_tokens, l.remaining_tokens);
  if (l.reset_requests_ms >= 0) e.reset_requests_at_unix_ms = now_ms + l.reset_requests_ms;
  if (l.reset_tokens_ms >= 0) e.reset_tokens_at_unix_ms = now_ms + l.reset_tokens_ms;
  e.observed_unix_ms = now_ms;
}

std::vector<ratelimit_entry> ratelimit_state::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<ratelimit_entry> out;
  out.reserve(entries_.size());
  for (const auto& [k, e] : entries_) out.push_back(e);
  return out;
}

size_t ratelimit_state::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace llmtap::pipeline
