#include "cli/token_cost.h"

namespace llmtap::cli {
// Until the pricing table is wired in, every model is reported as unpriced (never $0).
std::optional<double> input_cost_usd(const std::string&, int64_t) { return std::nullopt; }
}  // namespace llmtap::cli
