#include "store/report_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

namespace llmtap::store {
namespace {

using json = nlohmann::ordered_json;  // keeps fields in the documented order

json opt(const std::optional<double>& v) {
  return v ? json(*v) : json(nullptr);
}

json row_json(const report_row& r) {
  json j;
  j["key"] = r.key;
  j["requests"] = r.requests;
  j["errors"] = r.errors;
  j["input_tokens"] = r.input_tokens;
  j["output_tokens"] = r.output_tokens;
  j["cost_usd"] = opt(r.cost_usd);
  j["p50_ms"] = opt(r.p50_ms);
  j["p95_ms"] = opt(r.p95_ms);
  return j;
}

std::string opt_csv(const std::optional<double>& v, const char* fmt_spec) {
  return v ? fmt::format(fmt::runtime(fmt_spec), *v) : std::string();
}

// Cost to 4 decimals: small per-day costs (fractions of a cent per call) must not read as 0.00.
// Below a hundredth of a cent, 4 decimals would still read $0.0000: show 2 significant digits.
std::string cost_cell(const std::optional<double>& c) {
  if (!c) return "-";
  if (*c > 0 && *c < 0.0001) {
    int decimals = std::min(12, 1 - static_cast<int>(std::floor(std::log10(*c))));
    return fmt::format("${:.{}f}", *c, decimals);
  }
  // Integer arithmetic in 1e-4 USD units so that the thousands separators apply to dollars.
  auto units = static_cast<int64_t>(std::llround(*c * 1e4));
  std::string sign = units < 0 ? "-" : "";
  units = units < 0 ? -units : units;
  return fmt::format("{}${}.{:04}", sign, with_thousands(units / 10000), units % 10000);
}

std::string ms_cell(const std::optional<double>& v) {
  return v ? fmt::format("{:.1f}", *v) : std::string("-");
}

}  // namespace

std::string csv_field(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string with_thousands(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string format_report_json(const report_rows& r) {
  json doc;
  doc["rows"] = json::array();
  for (const report_row& row : r.rows) doc["rows"].push_back(row_json(row));
  doc["totals"] = row_json(r.totals);
  return doc.dump(2) + "\n";
}

std::string format_report_csv(const report_rows& r) {
  // LF line ends: what shells and most tools expect; quoting is per RFC 4180.
  std::string out = "key,requests,errors,input_tokens,output_tokens,cost_usd,p50_ms,p95_ms\n";
  auto line = [&out](const report_row& row) {
    out += fmt::format("{},{},{},{},{},{},{},{}\n", csv_field(row.key), row.requests, row.errors,
                       row.input_tokens, row.output_tokens, opt_csv(row.cost_usd, "{:.6f}"),
                       opt_csv(row.p50_ms, "{:.3f}"), opt_csv(row.p95_ms, "{:.3f}"));
  };
  for (const report_row& row : r.rows) line(row);
  line(r.totals);
  return out;
}

std::string format_report_table(const report_rows& r, report_group by) {
  using cells = std::vector<std::string>;
  const cells header = {to_string(by), "requests", "errors", "input tok",
                        "output tok",  "cost",     "p50 ms", "p95 ms"};
  auto to_cells = [](const report_row& row) {
    return cells{row.key,
                 with_thousands(row.requests),
                 with_thousands(row.errors),
                 with_thousands(row.input_tokens),
                 with_thousands(row.output_tokens),
                 cost_cell(row.cost_usd),
                 ms_cell(row.p50_ms),
                 ms_cell(row.p95_ms)};
  };
  std::vector<cells> body;
  for (const report_row& row : r.rows) body.push_back(to_cells(row));
  const cells totals = to_cells(r.totals);

  std::vector<size_t> width(header.size());
  for (const cells* c : {&header, &totals}) {
    for (size_t i = 0; i < c->size(); ++i) width[i] = std::max(width[i], (*c)[i].size());
  }
  for (const cells& c : body) {
    for (size_t i = 0; i < c.size(); ++i) width[i] = std::max(width[i], c[i].size());
  }
  std::string out;
  auto line = [&](const cells& c) {
    std::string l;
    for (size_t i = 0; i < c.size(); ++i) {
      if (i > 0) l += "  ";
      // The label column reads left to right; numbers line up on their last digit.
      l += i == 0 ? fmt::format("{:<{}}", c[i], width[i]) : fmt::format("{:>{}}", c[i], width[i]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  size_t total_width = 2 * (width.size() - 1);
  for (size_t w : width) total_width += w;
  line(header);
  out += std::string(total_width, '-') + "\n";
  for (const cells& c : body) line(c);
  if (body.empty()) out += "(no calls recorded in this period)\n";
  out += std::string(total_width, '-') + "\n";
  line(totals);
  return out;
}

std::optional<int64_t> parse_duration_ms(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // A century is far beyond any store; the cap keeps the arithmetic from overflowing.
  constexpr int64_t kMaxMs = int64_t{100} * 366 * 24 * 3600 * 1000;
  int64_t total = 0;
  size_t i = 0;
  while (i < s.size()) {
    int64_t n = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > kMaxMs) return std::nullopt;
      ++i;
    }
    if (i == start || i == s.size()) return std::nullopt;  // a number needs a unit, and v.v.
    int64_t unit = 0;
    switch (s[i]) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = 60 * 1000;
        break;
      case 'h':
        unit = 3600 * 1000;
        break;
      case 'd':
        unit = 24 * 3600 * 1000;
        break;
      case 'w':
        unit = 7 * 24 * 3600 * 1000;
        break;
      default:
        return std::nullopt;
    }
    ++i;
    if (n > kMaxMs / unit) return std::nullopt;
    total += n * unit;
    if (total > kMaxMs) return std::nullopt;
  }
  if (total == 0) return std::nullopt;
  return total;
}

}  // namespace llmtap::store
