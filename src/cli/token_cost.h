#pragma once
#include <optional>
#include <string>

namespace llmtap::cli {
// USD for `tokens` input tokens of `model` from the pricing table; nullopt when unpriced.
std::optional<double> input_cost_usd(const std::string& model, int64_t tokens);
}  // namespace llmtap::cli
