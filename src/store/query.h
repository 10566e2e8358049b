#pragma once
// The store's read side: what `llmtap report` prints and what the admin API will serve. Each call
// opens its own read-only connection, so it may run on any thread while the writer writes (WAL).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmtap::store {

enum class report_group { model, service, key, endpoint, day };

const char* to_string(report_group g);
std::optional<report_group> parse_report_group(std::string_view s);

struct report_query {
  std::optional<int64_t> since_unix_ms;  // calls at or after this wall-clock time; none = all
  report_group by = report_group::model;
};

struct report_row {
  std::string key;  // the group's label; "total" for the totals row
  int64_t requests = 0;
  int64_t errors = 0;        // status >= 400, or the proxy's outcome was not ok
  int64_t input_tokens = 0;  // sums over calls with known usage
  int64_t output_tokens = 0;
  std::optional<double> cost_usd;  // sum over priced calls; none when no call in it was priced
  // Call duration (accepted -> last byte) percentiles, nearest-rank: the smallest duration such
  // that at least p% of the group's calls took no longer. No interpolation, so the value is one
  // a real call had. None when no call in the group has a duration (e.g. all aborted).
  std::optional<double> p50_ms;
  std::optional<double> p95_ms;
};

struct report_rows {
  std::vector<report_row> rows;  // by requests desc, then key asc; for `day`, by date asc
  report_row totals;             // over all rows; percentiles over all calls, not averaged
};

// Throws store_error: missing store ("no store at PATH: run `llmtap serve` first"), unreadable
// or too new a file, or a failed query.
report_rows query_report(const std::string& db_path, report_query q);

// Nearest-rank percentile (p in (0, 100]) of `sorted` (ascending, non-empty).
int64_t nearest_rank(const std::vector<int64_t>& sorted, double p);

}  // namespace llmtap::store
