#include "metrics/registry.h"

#include <algorithm>
#include <stdexcept>

#include "metrics/call_facts.h"

namespace llmtap::metrics {
namespace {

// Joins label values in a lookup key. Sanitized values hold no control characters.
constexpr char kSep = '\x1f';

bool has_limits(const rate_limits& l) {
  return l.limit_requests >= 0 || l.limit_tokens >= 0 || l.remaining_requests >= 0 ||
         l.remaining_tokens >= 0;
}

void keep_known(int64_t& slot, int64_t v) {
  if (v >= 0) slot = v;  // a header absent from this response does not erase the last one seen
}

}  // namespace

registry::registry(registry_options o) : o_(std::move(o)) {
  if (o_.user_label)
    throw std::invalid_argument(
        "prometheus.user_label: llmtap does not capture a caller's user id yet (the "
        "x-llmtap-user header and the request's `user` field are future work); remove the "
        "setting");
  call_labels_ = parse_labels(o_.labels);
  if (o_.api_key_label) call_labels_.push_back(label::api_key);
  for (label l : call_labels_)
    if (l != label::endpoint && l != label::status_class) limit_labels_.push_back(l);
  values_.resize(call_labels_.size());
  scratch_.resize(call_labels_.size() + 1);  // the last one for error_type
  key_.reserve(256);
  error_key_.reserve(256);
}

std::string_view registry::key_of(const std::vector<label>& labels, const exchange& x) {
  key_.clear();
  for (size_t i = 0; i < labels.size(); ++i) {
    values_[i] = sanitize(raw_value(labels[i], x), scratch_[i]);
    if (i > 0) key_.push_back(kSep);
    key_.append(values_[i]);
  }
  return key_;
}

std::string registry::render_labels(const std::vector<label>& labels) const {
  std::string text;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) text.push_back(',');
    append_label(text, label_name(labels[i]), values_[i]);
  }
  return text;
}

template <class Points, class Make>
int64_t registry::slot(index& ix, Points& points, std::string_view key, size_t cap,
                       uint64_t& overflow, Make make) {
  if (auto it = ix.find(key); it != ix.end()) return static_cast<int64_t>(it->second);
  if (points.size() >= cap) {
    ++overflow;
    return -1;
  }
  ix.emplace(std::string(key), points.size());
  points.push_back(make());
  return static_cast<int64_t>(points.size() - 1);
}

namespace {
// `find()` unless `key` is the one remembered; a found slot is remembered for the next call.
template <class Find>
int64_t slot_with_memory(std::string& last_key, int64_t& last_slot, std::string_view key,
                         Find find) {
  if (last_slot >= 0 && last_key == key) return last_slot;
  const int64_t s = find();
  if (s >= 0) {
    last_key.assign(key);
    last_slot = s;
  }
  return s;
}
}  // namespace

bool registry::offer(const std::shared_ptr<const exchange>& x) {
  counters_.received.fetch_add(1, std::memory_order_relaxed);
  record(*x);
  return true;
}

void registry::record(const exchange& x) {
  std::lock_guard lock(mu_);
  std::string_view key = key_of(call_labels_, x);
  int64_t i = slot_with_memory(last_call_.key, last_call_.slot, key, [&] {
    return slot(calls_ix_, calls_, key, o_.max_series, overflow_[group_calls], [&] {
      return call_point{&texts_.emplace_back(render_labels(call_labels_)), {}};
    });
  });
  if (i >= 0) {
    call_values& v = calls_[static_cast<size_t>(i)].v;
    ++v.requests;
    if (double d = duration_seconds(x); d >= 0) v.duration.observe(genai_duration_buckets(), d);
    if (double t = ttft_seconds(x); t >= 0) v.ttft.observe(genai_duration_buckets(), t);
    v.overhead.observe(overhead_buckets(), overhead_seconds(x));
    const usage& u = x.usage;
    if (u.input_tokens > 0) v.tokens[tok_input] += static_cast<uint64_t>(u.input_tokens);
    if (u.output_tokens > 0) v.tokens[tok_output] += static_cast<uint64_t>(u.output_tokens);
    if (u.cached_input_tokens > 0)
      v.tokens[tok_cached] += static_cast<uint64_t>(u.cached_input_tokens);
    if (u.reasoning_tokens > 0)
      v.tokens[tok_reasoning] += static_cast<uint64_t>(u.reasoning_tokens);
    if (x.cost_nano_usd >= 0)
      v.cost_usd += static_cast<double>(x.cost_nano_usd) / 1e9;
    else if (u.source != usage_source::none && x.status < 400)
      ++v.unpriced;
    counters_.sent.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters_.dropped.fetch_add(1, std::memory_order_relaxed);
  }

  if (std::string_view type = error_type_of(x); !type.empty()) {
    std::string_view clean = sanitize(type, scratch_.back());
    error_key_.assign(key).push_back(kSep);
    error_key_.append(clean);
    int64_t e = slot(errors_ix_, errors_, error_key_, o_.max_series, overflow_[group_errors], [&] {
      std::string text =
          i >= 0 ? *calls_[static_cast<size_t>(i)].labels : render_labels(call_labels_);
      if (!text.empty()) text.push_back(',');
      append_label(text, "error_type", clean);
      return error_point{&texts_.emplace_back(std::move(text)), 0};
    });
    if (e >= 0) ++errors_[static_cast<size_t>(e)].count;
  }

  if (has_limits(x.limits)) {
    std::string_view lkey = key_of(limit_labels_, x);
    int64_t j = slot_with_memory(last_limits_.key, last_limits_.slot, lkey, [&] {
      return slot(limits_ix_, limits_, lkey, o_.max_series, overflow_[group_ratelimit], [&] {
        return ratelimit_point{&texts_.emplace_back(render_labels(limit_labels_))};
      });
    });
    if (j >= 0) {
      ratelimit_point& p = limits_[static_cast<size_t>(j)];
      keep_known(p.limit_requests, x.limits.limit_requests);
      keep_known(p.limit_tokens, x.limits.limit_tokens);
      keep_known(p.remaining_requests, x.limits.remaining_requests);
      keep_known(p.remaining_tokens, x.limits.remaining_tokens);
    }
  }
}

snapshot registry::take_snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot{calls_, errors_, limits_, overflow_};
}

void registry::render(std::string& out) const {
  snapshot s = take_snapshot();  // copied under the lock, encoded outside it
  encode(s, out);
}

sinks::check_result registry::check() {
  std::string names;
  for (label l : call_labels_) {
    if (!names.empty()) names += ',';
    names += label_name(l);
  }
  return {true, "rendered at scrape time on " + target() + "; labels " +
                    (names.empty() ? std::string("(none)") : names) + "; at most " +
                    std::to_string(o_.max_series) + " label sets per series group"};
}

}  // namespace llmtap::metrics
