// `llmtap report`: terminal tables (or JSON/CSV for scripts) from the embedded store.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "core/paths.h"
#include "store/query.h"
#include "store/report_format.h"

namespace llmtap::cli {
namespace {

struct report_options {
  std::string data_dir;
  std::string since;
  std::string by = "model";
  std::string format = "table";
};

// Flag > LLMTAP_STORE_DATA_DIR > the platform default, as for every config key.
std::string resolve_data_dir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("LLMTAP_STORE_DATA_DIR"); env && *env) return env;
  return default_data_dir();
}

int run_report(const report_options& o) {
  store::report_query q;
  if (auto by = store::parse_report_group(o.by)) {
    q.by = *by;
  } else {
    std::fprintf(
        stderr,
        "llmtap report: --by must be one of model, service, key, endpoint, day (got '%s')\n",
        o.by.c_str());
    return 1;
  }
  if (o.format != "table" && o.format != "json" && o.format != "csv") {
    std::fprintf(stderr, "llmtap report: --format must be one of table, json, csv (got '%s')\n",
                 o.format.c_str());
    return 1;
  }
  if (!o.since.empty()) {
    auto ms = store::parse_duration_ms(o.since);
    if (!ms) {
      std::fprintf(stderr,
                   "llmtap report: bad --since '%s': expected a positive duration such as 90s, "
                   "30m, 24h, 7d, 1w or 1h30m\n",
                   o.since.c_str());
      return 1;
    }
    auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    q.since_unix_ms = now_ms - *ms;
  }
  const std::string path = store_path(resolve_data_dir(o.data_dir));
  store::report_rows rows = store::query_report(path, q);
  std::string out = o.format == "json"  ? store::format_report_json(rows)
                    : o.format == "csv" ? store::format_report_csv(rows)
                                        : store::format_report_table(rows, q.by);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return 0;
}

}  // namespace

void register_report(CLI::App& root, int& exit_code) {
  auto o = std::make_shared<report_options>();
  auto* sub = root.add_subcommand(
      "report",
      "Summarize the calls in the store: requests, errors, tokens, cost and latency percentiles,\n"
      "grouped by model, service, API key, endpoint or day.");
  sub->add_option("--data-dir", o->data_dir, "Data directory holding llmtap.db (see Defaults)")
      ->type_name("DIR");
  sub->add_option("--since", o->since, "Only calls this recent: 90s, 30m, 24h, 7d, 1w, 1h30m")
      ->type_name("DURATION");
  sub->add_option("--by", o->by, "Group by: model, service, key, endpoint or day")
      ->type_name("GROUP");
  sub->add_option("--format", o->format, "Output: table, json or csv")->type_name("FORMAT");
  sub->footer(
      "Defaults:\n"
      "  --data-dir  $LLMTAP_STORE_DATA_DIR if set, else $XDG_DATA_HOME/llmtap,\n"
      "              else ~/.local/share/llmtap\n"
      "  --since     all time\n"
      "  --by        model\n"
      "  --format    table\n"
      "\n"
      "Groups: model (served model, else requested, else \"(unknown)\"); service (\"(none)\"\n"
      "when unset); key (sk-...abcd plus a hash prefix, so keys sharing their last four\n"
      "characters stay apart); endpoint (chat.completions, embeddings, ...); day (UTC date).\n"
      "\n"
      "Columns: requests; errors (HTTP status >= 400, or the call failed in transit); input\n"
      "and output tokens; cost in USD summed over priced calls (\"-\" in the table, null in\n"
      "JSON, empty in CSV when no call in the row has a known price); p50 and p95 call\n"
      "duration in ms (nearest-rank; from request accepted to last byte relayed). Rows are\n"
      "sorted by requests, most first (by date for --by day); a total line ends the report.\n"
      "\n"
      "Formats: table for people; json is one document {\"rows\": [...], \"totals\": {...}};\n"
      "csv is a header, the rows, then a \"total\" row (RFC 4180 quoting).\n"
      "\n"
      "Examples:\n"
      "  llmtap report\n"
      "  llmtap report --since 24h --by service\n"
      "  llmtap report --since 7d --by day --format csv > week.csv\n"
      "  llmtap report --by key --format json | jq .totals.cost_usd");
  sub->callback([o, &exit_code] { run_command("report", exit_code, [&] { return run_report(*o); }); });
}

}  // namespace llmtap::cli
