#include "sinks/line_protocol/line_writer.h"

#include <fmt/format.h>

#include <cmath>
#include <iterator>

#include "metrics/labels.h"

namespace llmtap::sinks::lp {
namespace {

char no_line_breaks(char c) {
  return c == '\n' || c == '\r' ? ' ' : c;
}

}  // namespace

void append_measurement(std::string& out, std::string_view v) {
  for (char c : v) {
    c = no_line_breaks(c);
    if (c == ',' || c == ' ') out.push_back('\\');
    out.push_back(c);
  }
}

void append_key_or_tag_value(std::string& out, std::string_view v) {
  for (char c : v) {
    c = no_line_breaks(c);
    if (c == ',' || c == '=' || c == ' ') out.push_back('\\');
    out.push_back(c);
  }
}

void append_string_field(std::string& out, std::string_view v) {
  out.push_back('"');
  for (char c : v) {
    c = no_line_breaks(c);
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
}

void line_writer::measurement(std::string_view name) {
  start_ = out_.size();
  has_field_ = false;
  append_measurement(out_, name);
}

void line_writer::tag(std::string_view key, std::string_view value) {
  std::string_view v = metrics::sanitize(value, scratch_);
  while (!v.empty() && v.back() == '\\') v.remove_suffix(1);
  if (v.empty()) return;
  out_.push_back(',');
  append_key_or_tag_value(out_, key);
  out_.push_back('=');
  append_key_or_tag_value(out_, v);
}

void line_writer::field_key(std::string_view key) {
  out_.push_back(has_field_ ? ',' : ' ');
  has_field_ = true;
  append_key_or_tag_value(out_, key);
  out_.push_back('=');
}

void line_writer::field(std::string_view key, double v) {
  if (!std::isfinite(v)) return;
  field_key(key);
  // Shortest round-trip text; an integral value has no decimal point and no `i`, so InfluxDB
  // still reads a float ("Write the field value 1 as a float": value=1).
  fmt::format_to(std::back_inserter(out_), "{}", v);
}

void line_writer::field_int(std::string_view key, int64_t v) {
  field_key(key);
  fmt::format_to(std::back_inserter(out_), "{}i", v);
}

void line_writer::field_bool(std::string_view key, bool v) {
  field_key(key);
  out_.append(v ? "true" : "false");
}

void line_writer::field_str(std::string_view key, std::string_view v) {
  field_key(key);
  append_string_field(out_, v);
}

bool line_writer::end(int64_t ts_ns) {
  if (!has_field_) {
    out_.resize(start_);
    return false;
  }
  if (ts_ns > 0) fmt::format_to(std::back_inserter(out_), " {}", ts_ns);
  out_.push_back('\n');
  return true;
}

}  // namespace llmtap::sinks::lp
