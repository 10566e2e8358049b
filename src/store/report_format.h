#pragma once
// Rendering of report_rows for the terminal and for scripts (`llmtap report --format`), and the
// `--since` duration syntax. Kept in the store library so the admin API can reuse the JSON shape.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/query.h"

namespace llmtap::store {

// `{"rows": [{"key", "requests", "errors", "input_tokens", "output_tokens", "cost_usd",
// "p50_ms", "p95_ms"}...], "totals": {...}}`; cost_usd and the percentiles are null when unknown.
std::string format_report_json(const report_rows& r);

// Header + one line per row + a "total" line. RFC 4180 quoting; unknown values are empty fields.
std::string format_report_csv(const report_rows& r);

// Aligned columns for a person: thousands separators, `-` for unknown cost/latency, a totals line.
std::string format_report_table(const report_rows& r, report_group by);

// One CSV field, quoted when it holds a comma, a quote, CR or LF (quotes doubled).
std::string csv_field(std::string_view s);

// 1234567 -> "1,234,567".
std::string with_thousands(int64_t v);

// "90s", "30m", "24h", "7d", "1w", or a sum like "1h30m" -> milliseconds. nullopt when malformed,
// zero or absurdly large; the caller explains the syntax.
std::optional<int64_t> parse_duration_ms(std::string_view s);

}  // namespace llmtap::store
