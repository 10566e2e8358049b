#include "metrics/prometheus_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace llmtap::metrics {

void append_family_header(std::string& out, std::string_view name, metric_type type,
                          std::string_view help) {
  out.append("# HELP ").append(name).push_back(' ');
  for (char c : help) {
    if (c == '\\')
      out.append("\\\\");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
  out.append("\n# TYPE ").append(name).push_back(' ');
  switch (type) {
    case metric_type::counter:
      out.append("counter\n");
      break;
    case metric_type::gauge:
      out.append("gauge\n");
      break;
    case metric_type::histogram:
      out.append("histogram\n");
      break;
  }
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append("=\"");
  for (char c : value) {
    if (c == '\\')
      out.append("\\\\");
    else if (c == '"')
      out.append("\\\"");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
  out.push_back('"');
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
  } else {
    // Shortest text that reads back as the same double ("0.01", "1e-05", "42").
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void append_value(std::string& out, uint64_t v) {
  fmt::format_to(std::back_inserter(out), "{}", v);
}

void append_value(std::string& out, int64_t v) {
  fmt::format_to(std::back_inserter(out), "{}", v);
}

bucket_layout::bucket_layout(const std::array<double, kBucketCount>& b) : bounds(b) {
  for (size_t i = 0; i < kBucketCount; ++i) {
    le[i] = "le=\"";
    append_value(le[i], bounds[i]);
    le[i].push_back('"');
  }
  le[kBucketCount] = "le=\"+Inf\"";
}

void histogram_values::observe(const bucket_layout& layout, double v) {
  // A value equal to a bound belongs to that bound's bucket (le = "less than or equal").
  auto it = std::lower_bound(layout.bounds.begin(), layout.bounds.end(), v);
  ++counts[static_cast<size_t>(it - layout.bounds.begin())];
  sum += v;
}

uint64_t histogram_values::count() const {
  uint64_t n = 0;
  for (uint64_t c : counts) n += c;
  return n;
}

void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const bucket_layout& layout, const histogram_values& h) {
  std::string_view n = name;
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBucketCount; ++i) {
    cumulative += h.counts[i];
    out.append(n).append("_bucket");
    out.push_back('{');
    out.append(labels);
    if (!labels.empty()) out.push_back(',');
    out.append(layout.le[i]);
    out.append("} ");
    append_value(out, cumulative);
    out.push_back('\n');
  }
  out.append(n).append("_sum");
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  append_value(out, h.sum);
  out.push_back('\n');
  out.append(n).append("_count");
  if (!labels.empty()) out.append("{").append(labels).append("}");
  out.push_back(' ');
  append_value(out, cumulative);
  out.push_back('\n');
}

const bucket_layout& genai_duration_buckets() {
  static const bucket_layout b(
      {0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92});
  return b;
}

const bucket_layout& overhead_buckets() {
  static const bucket_layout b({0.00001, 0.00002, 0.00004, 0.00008, 0.00016, 0.00032, 0.00064,
                                0.00128, 0.00256, 0.00512, 0.01024, 0.02048, 0.04096, 0.08192});
  return b;
}

}  // namespace llmtap::metrics
