#pragma once
// DogStatsD lines for one call, with the names, kinds and tags of Datadog's OpenAI integration
// (dd-trace-py v2.21, reference datadog-guance.md §3d), so the integration's Overview dashboard
// and its two recommended monitors work unchanged; plus llmtap's own metrics under the same
// namespace. docs/metrics.md lists them all.
//
// Line format (https://docs.datadoghq.com/developers/dogstatsd/datagram_shell):
//   <name>:<value>|<type>|#<tag>,<tag>...      type: d distribution, c count, g gauge
//
// Pure and allocation-free once its buffers have grown: the sink thread calls it per call, and
// the benchmark calls it on its own.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/exchange.h"
#include "sinks/dogstatsd/line_aggregator.h"

namespace llmtap::sinks {

struct metric_options {
  // openai.user.api_key, openai.organization.id and openai.organization.name: one series per key
  // and organization. Off = those tags are left out.
  bool high_cardinality_tags = true;
};

class metric_encoder {
 public:
  explicit metric_encoder(metric_options o = {}) : o_(o) {}
  // Appends the call's lines to `out`, each ending in '\n'. Returns how many lines.
  size_t append(const exchange& x, std::string& out);
  // The same metrics into an aggregator (one flush's calls). Returns how many lines they are.
  size_t collect(const exchange& x, line_aggregator& agg);

 private:
  template <class Emit>
  size_t each_metric(const exchange& x, Emit&& emit);
  // Builds tags_ for `x`; false when they are those of the previous call, left as they were.
  bool update_tags(const exchange& x);

  metric_options o_;
  std::string tags_;  // this call's tags, built once and copied into every line
  std::string scratch_;
  // The tag values tags_ was built from: consecutive calls nearly always share them (one
  // service, one model, one key), and then the tags and their group are reused as they are.
  static constexpr size_t kTagValues = 11;
  std::array<std::string, kTagValues> tag_values_;
  bool tags_built_ = false;
  bool tags_changed_ = false;     // this call's tags differ from the previous call's
  size_t group_ = 0;              // tags_'s group in the aggregator...
  uint64_t group_round_ = ~0ull;  // ...as of this round of it (line_aggregator::round)
};

// USD from nano-USD, in plain decimal ("0.000015", "1.5", "0"): exact, no exponent notation.
void append_usd(std::string& out, int64_t nano_usd);

// Packs lines into datagrams of at most `max` bytes, lines joined by '\n'. A line is never split:
// one longer than `max` goes out alone.
class datagram_packer {
 public:
  explicit datagram_packer(size_t max) : max_(max) {}
  // `lines`: '\n'-terminated lines. `send(std::string_view datagram, size_t line_count)`.
  template <class Send>
  void add(std::string_view lines, Send&& send) {
    while (!lines.empty()) {
      size_t end = lines.find('\n');
      std::string_view one = lines.substr(0, end);
      lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
      if (one.empty()) continue;
      if (!pending_.empty() && pending_.size() + 1 + one.size() > max_) flush(send);
      if (!pending_.empty()) pending_ += '\n';
      pending_.append(one);
      ++count_;
      if (pending_.size() >= max_) flush(send);
    }
  }
  template <class Send>
  void flush(Send&& send) {
    if (pending_.empty()) return;
    send(std::string_view(pending_), count_);
    pending_.clear();
    count_ = 0;
  }
  bool empty() const { return pending_.empty(); }

 private:
  size_t max_;
  std::string pending_;
  size_t count_ = 0;
};

}  // namespace llmtap::sinks
