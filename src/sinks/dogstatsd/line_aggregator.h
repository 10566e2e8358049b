#pragma once
// Client-side aggregation of DogStatsD lines over one flush, as Datadog's own clients do it
// (datadog-go's client-side and "extended" aggregation): lines with the same name, type and tags
// become one line. Counts are summed, a gauge keeps its last value, and distributions (and any
// other type) keep every value, packed with DogStatsD protocol v1.1's ':' separator:
//   openai.tokens.prompt:12:40:7|d|#env:prod,...
// The Agent accepts packed values since v6.25.0 / v7.25.0 and computes the same distribution as
// from one line per value (https://docs.datadoghq.com/developers/dogstatsd/datagram_shell,
// "DogStatsD protocol v1.1").
//
// Why: a call is about 8 lines of ~280 bytes (the tags repeat on each), so without aggregation
// every call costs llmtap one or two send() syscalls. Calls of one flush that share their tags
// collapse into a handful of lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmtap::sinks {

class line_aggregator {
 public:
  // `lines`: '\n'-terminated DogStatsD lines ("name:value|type|#tags"). A line without a value or
  // a type is kept as it is.
  void add(std::string_view lines);

  // Appends the aggregated lines to `out` (each followed by a newline), none longer than
  // `max_line` bytes (the newline not counted: the packer joins lines with it),
  // unless a single value makes it so, and forgets them. Returns how many input lines the
  // output stands for (the sink's "sent" counter keeps counting per-call lines).
  size_t take(std::string& out, size_t max_line);

  bool empty() const { return order_.empty(); }

 private:
  struct entry {
    std::string name;  // "openai.tokens.prompt"
    std::string rest;  // "|d|#tags..."
    char type = 0;     // 'c', 'g', 'd', ... (first letter of the type)
    bool summed = false;
    int64_t sum = 0;     // counts with integer values
    std::string values;  // other types: "v1:v2:..." (gauge: the last value)
    size_t lines = 0;    // input lines merged into this entry
  };
  void add_line(std::string_view line);
  void emit(const entry& e, std::string& out, size_t max_line) const;

  std::unordered_map<std::string, size_t> index_;  // name + rest -> position in order_
  std::vector<entry> order_;                       // first-seen order: output is repeatable
  std::string key_;
};

}  // namespace llmtap::sinks
