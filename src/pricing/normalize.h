#pragma once
// Model-name normalization. Names arrive in many spellings for one price: dated snapshots,
// provider prefixes from gateways, fine-tuned ids, mixed case.
#include <string>
#include <string_view>

namespace llmtap::pricing {

// Lowercase, trimmed, without a gateway prefix ("openai/gpt-4o" -> "gpt-4o"; an ft: id keeps
// its colons and is never split at '/').
std::string clean_model(std::string_view model);

// `name` without a trailing snapshot date ("-2024-08-06" or "-20240806"); unchanged otherwise.
std::string_view strip_snapshot_date(std::string_view name);

// genai-prices' rewrite of "-YYYYMMDD" (valid dates only) to "-YYYY-MM-DD", anywhere in `name`.
std::string dash_dates(std::string_view name);

// For "ft:<base>:<org>:<suffix>:<id>", the base ("gpt-4o-mini-2024-07-18"); empty otherwise.
std::string_view fine_tune_base(std::string_view cleaned);

// The model family, independent of any price table, for grouping and display:
// clean_model, then the fine-tune base, then the snapshot date stripped.
// "openai/GPT-4o-2024-08-06" -> "gpt-4o"; "ft:gpt-4o-mini-2024-07-18:org::abc" -> "gpt-4o-mini".
// The price lookup (price_table::resolve) is finer: a dated id or an ft: model with prices of
// its own keeps them.
std::string normalize_model(std::string_view model);

}  // namespace llmtap::pricing
