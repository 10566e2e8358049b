#include "pricing/pricing.h"

#include <utility>

#include "core/clock.h"

namespace llmtap::pricing {

pricing::pricing(load_options options, std::shared_ptr<const price_table> table)
    : options_(std::move(options)), current_(std::move(table)) {}

pricing_result pricing::load(load_options options) {
  pricing_result r;
  load_result t = load_table(options);
  if (!t.ok()) {
    r.error = std::move(t.error);
    return r;
  }
  r.value.reset(new pricing(std::move(options), std::move(t.value)));
  return r;
}

std::shared_ptr<const price_table> pricing::snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

std::shared_ptr<const price_table> pricing::snapshot_at(int64_t mono_ns) const {
  std::lock_guard lock(mu_);
  return mono_ns < current_since_ns_ && previous_ ? previous_ : current_;
}

pricing::in_force pricing::tables() const {
  std::lock_guard lock(mu_);
  return {previous_, current_, current_since_ns_};
}

bool pricing::reload(std::string* error) {
  std::lock_guard one_at_a_time(reload_mu_);
  load_result t = load_table(options_);  // file I/O and parsing outside mu_
  if (!t.ok()) {
    if (error != nullptr) *error = std::move(t.error);
    return false;
  }
  std::shared_ptr<const price_table> old;
  {
    std::lock_guard lock(mu_);
    old = std::exchange(previous_, std::exchange(current_, std::move(t.value)));
    current_since_ns_ = mono_ns();
  }
  // `old` is released here, outside the lock; readers holding it keep it alive.
  return true;
}

}  // namespace llmtap::pricing
