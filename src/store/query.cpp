#include "store/query.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "store/schema.h"
#include "store/sqlite_db.h"

namespace llmtap::store {
namespace {

// The group label is computed by SQLite so that one scan returns ready keys. Empty values are
// stored as NULL, so COALESCE picks the first known one.
const char* group_key_sql(report_group g) {
  switch (g) {
    case report_group::model:
      return "COALESCE(model_served, model_requested, '(unknown)')";
    case report_group::service:
      return "COALESCE(service, '(none)')";
    case report_group::key:
      // Two keys can share the last four characters; the hash prefix tells them apart.
      return "CASE WHEN key_label IS NULL THEN '(none)' "
             "WHEN key_hash IS NULL THEN key_label "
             "ELSE key_label || ' (' || substr(key_hash, 1, 6) || ')' END";
    case report_group::endpoint:
      return "endpoint";
    case report_group::day:
      // UTC calendar day; floor division keeps pre-1970 stamps on the right day.
      return "strftime('%Y-%m-%d', (ts_unix_ms - ((ts_unix_ms % 1000) + 1000) % 1000) / 1000, "
             "'unixepoch')";
  }
  return "'?'";
}

// A wall clock stepped back (NTP, a VM restored) can make a later row look written earlier; the
// scan starts this much before `since` so that such a step does not hide calls from the report.
constexpr int64_t kClockStepMarginMs = 10 * 60 * 1000;

// The seq to start a `since` scan from. One writer appends rows, stamping each transaction with
// its wall clock, so written_unix_ms rises with seq; a call is written after it starts, so every
// call that started at or after `since` lies at or after the first row written at or after it.
// Binary search over seq, one rowid lookup per probe. Rows from v1 files (NULL written time) are
// all before the v2 rows and count as "maybe": the search then settles either at the real
// boundary, when v2 rows already cover `since` (and v1 rows, older still, cannot qualify), or
// among the v1 rows, which are then all read. The caller's ts_unix_ms filter still decides.
int64_t first_seq_to_scan(sqlite3* db, int64_t since_ms) {
  stmt_ptr range = prepare(db, "SELECT min(seq), max(seq) FROM calls");
  if (sqlite3_step(range.get()) != SQLITE_ROW || sqlite3_column_type(range.get(), 0) == SQLITE_NULL)
    return 0;  // empty table
  int64_t lo = sqlite3_column_int64(range.get(), 0);
  int64_t hi = sqlite3_column_int64(range.get(), 1) + 1;
  const int64_t target = since_ms - kClockStepMarginMs;
  stmt_ptr probe =
      prepare(db, "SELECT seq, written_unix_ms FROM calls WHERE seq >= ?1 ORDER BY seq LIMIT 1");
  // Invariant: every row before lo was written before `target`; the first row at or after hi
  // (if any) was not, or has no written time.
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    sqlite3_reset(probe.get());
    sqlite3_bind_int64(probe.get(), 1, mid);
    if (sqlite3_step(probe.get()) != SQLITE_ROW) {
      hi = mid;
      continue;
    }
    const bool before = sqlite3_column_type(probe.get(), 1) != SQLITE_NULL &&
                        sqlite3_column_int64(probe.get(), 1) < target;
    if (before) {
      lo = sqlite3_column_int64(probe.get(), 0) + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

struct accumulator {
  report_row row;
  int64_t cost_nano = 0;
  bool priced = false;
  std::vector<int64_t> durations_us;

  void finish() {
    if (priced) row.cost_usd = static_cast<double>(cost_nano) / 1e9;
    if (!durations_us.empty()) {
      std::sort(durations_us.begin(), durations_us.end());
      row.p50_ms = static_cast<double>(nearest_rank(durations_us, 50)) / 1000.0;
      row.p95_ms = static_cast<double>(nearest_rank(durations_us, 95)) / 1000.0;
    }
  }
};

}  // namespace

const char* to_string(report_group g) {
  switch (g) {
    case report_group::model:
      return "model";
    case report_group::service:
      return "service";
    case report_group::key:
      return "key";
    case report_group::endpoint:
      return "endpoint";
    case report_group::day:
      return "day";
  }
  return "model";
}

std::optional<report_group> parse_report_group(std::string_view s) {
  for (report_group g : {report_group::model, report_group::service, report_group::key,
                         report_group::endpoint, report_group::day}) {
    if (s == to_string(g)) return g;
  }
  return std::nullopt;
}

int64_t nearest_rank(const std::vector<int64_t>& sorted, double p) {
  // rank = ceil(p/100 * n), 1-based, clamped to [1, n].
  const double n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

report_rows query_report(const std::string& db_path, report_query q) {
  db_ptr db = open_store_for_reading(db_path);
  // The bound only narrows the scan, so it may come from an older snapshot than the scan: rows
  // are only ever appended after it.
  int64_t first_seq = 0;
  if (q.since_unix_ms && user_version(db.get()) >= 2) {
    first_seq = first_seq_to_scan(db.get(), *q.since_unix_ms);
  }
  // One scan, aggregated here: percentiles need every duration of a group anyway, and one
  // statement reads one consistent snapshot even while the writer commits.
  const std::string sql = fmt::format(
      "SELECT {} AS k, (COALESCE(status, 0) >= 400 OR outcome <> 'ok') AS err, "
      "input_tokens, output_tokens, cost_nano_usd, duration_us FROM calls{}",
      group_key_sql(q.by), q.since_unix_ms ? " WHERE seq >= ?2 AND ts_unix_ms >= ?1" : "");
  stmt_ptr s = prepare(db.get(), sql);
  if (q.since_unix_ms) {
    sqlite3_bind_int64(s.get(), 1, *q.since_unix_ms);
    sqlite3_bind_int64(s.get(), 2, first_seq);
  }

  std::unordered_map<std::string, accumulator> groups;
  accumulator total;
  int rc;
  while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
    sqlite3_stmt* r = s.get();
    const auto* k = reinterpret_cast<const char*>(sqlite3_column_text(r, 0));
    std::string key = k ? std::string(k, static_cast<size_t>(sqlite3_column_bytes(r, 0)))
                        : std::string("(unknown)");
    accumulator& g = groups[key];
    for (accumulator* a : {&g, &total}) {
      a->row.requests += 1;
      a->row.errors += sqlite3_column_int(r, 1);
      a->row.input_tokens += sqlite3_column_int64(r, 2);  // NULL reads as 0
      a->row.output_tokens += sqlite3_column_int64(r, 3);
      if (sqlite3_column_type(r, 4) != SQLITE_NULL) {
        a->priced = true;
        a->cost_nano += sqlite3_column_int64(r, 4);
      }
      if (sqlite3_column_type(r, 5) != SQLITE_NULL) {
        a->durations_us.push_back(sqlite3_column_int64(r, 5));
      }
    }
  }
  if (rc != SQLITE_DONE) {
    throw store_error(
        fmt::format("query on store {} failed: {}", db_path, sqlite3_errmsg(db.get())));
  }

  report_rows out;
  out.rows.reserve(groups.size());
  for (auto& [key, acc] : groups) {
    acc.row.key = key;
    acc.finish();
    out.rows.push_back(std::move(acc.row));
  }
  if (q.by == report_group::day) {
    std::sort(out.rows.begin(), out.rows.end(),
              [](const report_row& a, const report_row& b) { return a.key < b.key; });
  } else {
    std::sort(out.rows.begin(), out.rows.end(), [](const report_row& a, const report_row& b) {
      return a.requests != b.requests ? a.requests > b.requests : a.key < b.key;
    });
  }
  total.finish();
  out.totals = std::move(total.row);
  out.totals.key = "total";
  return out;
}

}  // namespace llmtap::store
