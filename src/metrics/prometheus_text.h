#pragma once
// The Prometheus text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/
// exposition_formats): the few primitives llmtap's /metrics needs. Appends to a caller's string,
// so a scrape builds its whole answer in one buffer.
//
// Escaping, per that document: in label values a backslash, a double quote and a line feed
// become \\, \" and \n; in HELP text a backslash and a line feed. Values are Go-parsable floats
// ("+Inf", "-Inf", "NaN" included); counters are written as integers when they are.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmtap::metrics {

enum class metric_type { counter, gauge, histogram };

// "# HELP <name> <help>\n# TYPE <name> <type>\n".
void append_family_header(std::string& out, std::string_view name, metric_type type,
                          std::string_view help);
// `name="value"` with the value escaped. No separator before it.
void append_label(std::string& out, std::string_view name, std::string_view value);
void append_value(std::string& out, double v);
void append_value(std::string& out, uint64_t v);
void append_value(std::string& out, int64_t v);

// `<name>{<labels>,<extra>} <value>\n`. `labels` and `extra` are rendered label lists without
// braces (either may be empty; with both empty there are no braces).
template <class V>
void append_sample(std::string& out, std::string_view name, std::string_view labels,
                   std::string_view extra, V value) {
  out.append(name);
  if (!labels.empty() || !extra.empty()) {
    out.push_back('{');
    out.append(labels);
    if (!labels.empty() && !extra.empty()) out.push_back(',');
    out.append(extra);
    out.push_back('}');
  }
  out.push_back(' ');
  append_value(out, value);
  out.push_back('\n');
}

// Histograms: fixed upper bounds (the +Inf bucket is implicit), their `le="..."` labels
// rendered once.
inline constexpr size_t kBucketCount = 14;

struct bucket_layout {
  std::array<double, kBucketCount> bounds;
  std::array<std::string, kBucketCount + 1> le;  // le="0.01" ... le="+Inf"
  explicit bucket_layout(const std::array<double, kBucketCount>& b);
};

// One histogram series: per-bucket (not cumulative) counts, the last one for values above every
// bound; plain data so that a snapshot is a copy.
struct histogram_values {
  std::array<uint64_t, kBucketCount + 1> counts{};
  double sum = 0;
  void observe(const bucket_layout& layout, double v);
  uint64_t count() const;
};

// `<name>_bucket` lines (cumulative, le ascending, +Inf last), then `<name>_sum` and
// `<name>_count`.
void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      const bucket_layout& layout, const histogram_values& h);

// The bucket bounds in seconds. GenAI operation duration and time to first chunk, as the OTel
// GenAI semantic conventions advise (gen-ai-metrics.md: gen_ai.client.operation.duration and
// gen_ai.client.operation.time_to_first_chunk, ExplicitBucketBoundaries).
const bucket_layout& genai_duration_buckets();
// llmtap's own overhead is micro- to milliseconds, far below the first GenAI bound (10 ms): the
// same doubling series scaled down 1000 times, 10 us to 81.92 ms.
const bucket_layout& overhead_buckets();

}  // namespace llmtap::metrics
