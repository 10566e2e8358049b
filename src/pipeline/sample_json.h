#pragma once
// The JSON half of sampling: bodies parsed with simdjson's DOM parser (runtime-dispatched to the
// machine's best kernel) and a writer that emits the sample text straight into a string, each
// string redacted and cut as it is written. Internal to the pipeline.
//
// The samples used to be nlohmann trees dumped with dump(); exporters and stored samples expect
// that exact text, so the writer keeps its format: compact, object keys sorted by byte order (a
// duplicate key: the last one wins), nlohmann's string escapes (ensure_ascii off) and its
// number formatting.
#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/sampling.h"

namespace llmtap::pipeline::sample_json {

// Parses what nlohmann::json::parse accepted: invalid UTF-8 is mended to U+FFFD first (into
// `mended`), an integer beyond 64 bits becomes a double as nlohmann reads it, and with
// `skip_bom` a leading UTF-8 byte order mark is skipped. The element lives until `p` parses
// again. False when the bytes are not one JSON text.
bool parse(simdjson::dom::parser& p, std::string_view bytes, std::string& mended, bool skip_bom,
           simdjson::dom::element& root);

// The last value of `key` in `o` (nlohmann keeps the last of duplicate keys); false when absent.
bool last_field(simdjson::dom::object o, std::string_view key, simdjson::dom::element& value);

// Appends `s` as nlohmann escapes it, without quotes.
void append_escaped(std::string& out, std::string_view s);
// Appends a double as nlohmann's dump prints it (its Grisu2 digits; 1.0 stays "1.0").
void append_double(std::string& out, double v);

class writer {
 public:
  // Starts a sample: output goes to out(), cleared; strings are redacted by `r` (none when null)
  // and cut to `max_chars` bytes.
  void start(const redactor* r, size_t max_chars);
  std::string& out() { return out_; }

  // Any parsed value, objects with their keys sorted.
  void value(simdjson::dom::element v);
  // A string value: redacted, cut on a UTF-8 boundary, escaped, quoted.
  void text(std::string_view s);
  // `"k":` for objects the sampler builds itself; keys are never redacted.
  void key(std::string_view k);
  void raw(std::string_view s) { out_.append(s); }
  void raw(char c) { out_.push_back(c); }
  void number(uint64_t n);

 private:
  void object(simdjson::dom::object o);

  struct field {
    std::string_view key;
    simdjson::dom::element value;
    uint32_t order;  // position in the document: among equal keys the last is kept
  };
  const redactor* redactor_ = nullptr;
  size_t max_chars_ = 0;
  std::string out_;
  std::string scratch_;        // one string at a time, redacted and cut before it is escaped
  std::vector<field> fields_;  // a stack: each open object sorts its own slice
};

}  // namespace llmtap::pipeline::sample_json
