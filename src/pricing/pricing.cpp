#include "pricing/pricing.h"

#include <utility>

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
    old = std::exchange(current_, std::move(t.value));
  }
  // `old` is released here, outside the lock; readers holding it keep it alive.
  return true;
}

}  // namespace llmtap::pricing
