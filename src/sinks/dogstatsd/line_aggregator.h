#pragma once
// Client-side aggregation of DogStatsD metrics over one flush, as Datadog's own clients do it
// (datadog-go's client-side and "extended" aggregation): values with the same name, type and tags
// become one line. Counts are summed, a gauge keeps its last value, and distributions keep every
// value, packed with DogStatsD protocol v1.1's ':' separator:
//   openai.tokens.prompt:12:40:7|d|#env:prod,...
// The Agent accepts packed values since v6.25.0 / v7.25.0 and computes the same distribution as
// from one line per value (https://docs.datadoghq.com/developers/dogstatsd/datagram_shell,
// "DogStatsD protocol v1.1").
//
// Why: a call is about 8 lines of ~280 bytes (the tags repeat on each), so without aggregation
// every call costs llmtap one or two send() syscalls. Calls of one flush that share their tags
// collapse into a handful of lines. The tags are looked up once per call (`group`), not per line.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmtap::sinks {

class line_aggregator {
 public:
  // The group of series sharing `tags` ("k:v,k:v"), created on first use. Valid until take().
  size_t group(std::string_view tags);
  // One value of metric `name` (type 'c', 'g', 'd'...; `extra_tag` appended to the group's tags,
  // or null). `name` and `extra_tag` must outlive take() (the encoder passes literals).
  void add(size_t group, std::string_view name, char type, const char* extra_tag,
           std::string_view value);

  // Appends the aggregated lines to `out` (each followed by a newline), none longer than
  // `max_line` bytes (the newline not counted: the packer joins lines with it), unless a single
  // value makes it so, and forgets them. Returns how many values they stand for (the sink's
  // "sent" counter keeps counting per-call lines).
  size_t take(std::string& out, size_t max_line);

  bool empty() const { return groups_.empty(); }
  // Counts take()s: a group number is valid within one round.
  uint64_t round() const { return round_; }

 private:
  struct series {
    std::string_view name;
    char type = 0;
    const char* extra_tag = nullptr;
    bool summed = false;
    int64_t sum = 0;     // counts with integer values
    std::string values;  // other values: "v1:v2:..." (a gauge: the last one)
    size_t count = 0;    // values added
  };
  struct group_of_series {
    std::string tags;
    std::vector<series> members;
    size_t next = 0;  // where the next add starts looking (see add)
  };
  void emit(const group_of_series& g, const series& s, std::string& out, size_t max_line) const;

  struct tags_hash {  // lookups by string_view: no copy of the tags per call
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, size_t, tags_hash, std::equal_to<>> by_tags_;
  std::vector<group_of_series> groups_;  // first-seen order: output is repeatable
  uint64_t round_ = 0;
};

}  // namespace llmtap::sinks
