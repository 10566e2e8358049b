#include "cli/token_cost.h"

#include "pricing/pricing.h"

namespace llmtap::cli {

std::optional<double> input_cost_usd(const std::string& model, int64_t tokens) {
  auto table = pricing::load_table({});  // $LLMTAP_PRICING_FILE or the table installed by setup
  if (!table.ok()) return std::nullopt;
  usage u;
  u.input_tokens = tokens;
  u.output_tokens = 0;
  u.total_tokens = tokens;
  u.source = usage_source::estimated;
  auto c = pricing::cost_of(*table.value, model, u);
  if (!c.priced) return std::nullopt;
  return static_cast<double>(c.nano_usd) / 1e9;
}

}  // namespace llmtap::cli
