#pragma once
// The aggregates behind /metrics. It is a sink: the pipeline thread offers it every call and
// offer() updates the aggregates in place (a mutex, one hash lookup per series group, no queue
// and no thread); the admin thread renders them at scrape time.
//
// Series: one per distinct label set of the allow-listed labels (labels.h). Each group of
// families (calls, errors, rate limits) holds at most `max_series` label sets; an update that
// would need a new one past that is not recorded and is counted in
// llmtap_metrics_series_overflow_total{group}. Series are never removed, so label texts stay
// where they are and a snapshot can point at them.
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metrics/exposition.h"
#include "metrics/labels.h"
#include "sinks/sink.h"

namespace llmtap::metrics {

struct registry_options {
  std::vector<std::string> labels = {"model",   "endpoint", "provider",
                                     "service", "env",      "status_class"};
  bool api_key_label = false;
  bool user_label = false;
  size_t max_series = 10000;
  std::string admin_listen;  // for target() and check(): where /metrics is served
};

class registry final : public sinks::sink {
 public:
  // Throws std::invalid_argument for an unknown label, and for user_label (not captured yet).
  explicit registry(registry_options o);

  const char* name() const override { return "prometheus"; }
  std::string target() const override { return "http://" + o_.admin_listen + "/metrics"; }
  // Pipeline thread: records the call. Never blocks for long, never drops a call.
  bool offer(const std::shared_ptr<const exchange>& x) override;
  void stop(std::chrono::milliseconds) override {}
  sinks::check_result check() override;

  void record(const exchange& x);
  snapshot take_snapshot() const;
  // Admin thread: the families of exposition.h, appended to `out`.
  void render(std::string& out) const;

  const std::vector<label>& call_labels() const { return call_labels_; }

 private:
  struct string_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  using index = std::unordered_map<std::string, size_t, string_hash, std::equal_to<>>;

  // Fills values_ (sanitized) for `labels` and returns the lookup key they make.
  std::string_view key_of(const std::vector<label>& labels, const exchange& x);
  // The rendered label list of the current values_ for `labels`.
  std::string render_labels(const std::vector<label>& labels) const;
  // The slot of `key` in `points`, made by `make()` when the group has room; -1 = over the cap
  // (counted in `overflow`).
  template <class Points, class Make>
  static int64_t slot(index& ix, Points& points, std::string_view key, size_t cap,
                      uint64_t& overflow, Make make);

  registry_options o_;
  std::vector<label> call_labels_;   // the allow-list, then api_key when enabled
  std::vector<label> limit_labels_;  // call_labels_ without endpoint and status_class

  mutable std::mutex mu_;
  // Per-call scratch (pipeline thread, under mu_): sanitized values and the key they make.
  std::vector<std::string_view> values_;
  std::vector<std::string> scratch_;
  std::string key_;
  std::string error_key_;
  // The last call's and rate limits' keys and slots: consecutive calls nearly always share their
  // labels, and a series, once made, keeps its slot (series are never removed). A hit skips the
  // hash lookup.
  struct remembered_slot {
    std::string key;
    int64_t slot = -1;
  };
  remembered_slot last_call_, last_limits_;

  std::deque<std::string> texts_;  // every rendered label list; stable addresses
  index calls_ix_, errors_ix_, limits_ix_;
  std::vector<call_point> calls_;
  std::vector<error_point> errors_;
  std::vector<ratelimit_point> limits_;
  std::array<uint64_t, kSeriesGroups> overflow_{};
};

}  // namespace llmtap::metrics
