#pragma once
// Writes points in InfluxDB line protocol, which InfluxDB 1.x, 2.x and Guance DataKit all read:
//   <measurement>[,<tag>=<value>...] <field>=<value>[,<field>=<value>...] [<timestamp ns>]
//
// Escaping, per InfluxDB's line protocol reference (docs-v2 content/influxdb/v1/write_protocols/
// line_protocol_reference.md, "Special characters"): in measurements commas and spaces; in tag
// keys, tag values and field keys commas, equal signs and spaces; in string field values double
// quotes and backslashes. Line protocol has no escape for a line feed in a tag or field value,
// so line feeds and carriage returns become spaces (in JSON text, which is what llmtap writes into
// string fields, that is still the same JSON). A tag value cannot be empty: the tag is left out.
// Tag values pass through metrics::sanitize (valid UTF-8, no control characters, at most 128
// bytes), and lose a trailing backslash, which would escape the separator after it.
#include <cstdint>
#include <string>
#include <string_view>

namespace llmtap::sinks::lp {

class line_writer {
 public:
  explicit line_writer(std::string& out) : out_(out) {}

  // Starts a point.
  void measurement(std::string_view name);
  // Tags, best in key order (InfluxDB's advice); an empty value is skipped.
  void tag(std::string_view key, std::string_view value);
  // Fields. A float that is NaN or infinite is skipped (line protocol cannot carry one).
  void field(std::string_view key, double v);
  void field_int(std::string_view key, int64_t v);
  void field_bool(std::string_view key, bool v);
  void field_str(std::string_view key, std::string_view v);
  // Ends the point: " <ts>\n", or "\n" when ts_ns <= 0 (the server's clock). Returns false, and
  // takes the point back out, when it had no field (a point needs at least one).
  bool end(int64_t ts_ns);

 private:
  void field_key(std::string_view key);

  std::string& out_;
  size_t start_ = 0;
  bool has_field_ = false;
  std::string scratch_;
};

// Appends `v` escaped for the given position.
void append_measurement(std::string& out, std::string_view v);
void append_key_or_tag_value(std::string& out, std::string_view v);
void append_string_field(std::string& out, std::string_view v);  // with the quotes

}  // namespace llmtap::sinks::lp
