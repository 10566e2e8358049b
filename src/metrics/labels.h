#pragma once
// The labels /metrics can put on its call series, read from each call. Which ones are on is the
// `prometheus.labels` allow-list, plus `api_key` when `prometheus.api_key_label` is set.
//
// Label values come from clients (the model a client sent, x-llmtap-* headers), so each value is
// made safe for the text format once per call: invalid UTF-8 and control characters become '?',
// and a value is cut at kMaxLabelValue bytes on a character boundary.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/exchange.h"

namespace llmtap::metrics {

enum class label : uint8_t {
  model,
  endpoint,
  provider,
  service,
  env,
  version,
  status_class,
  upstream,
  organization,
  project,
  api_key,
};

inline constexpr size_t kMaxLabelValue = 128;

// The label's name on /metrics ("model", "status_class", "api_key"...).
const char* label_name(label l);
// The names `prometheus.labels` accepts, comma-separated, for error messages.
std::string known_label_names();
// Parses the allow-list. Throws std::invalid_argument naming an unknown or repeated label, or
// "api_key" (that one is prometheus.api_key_label).
std::vector<label> parse_labels(const std::vector<std::string>& names);

// The raw value of a label for one call (before sanitizing).
std::string_view raw_value(label l, const exchange& x);

// A view of `v` when it is already safe; otherwise a cleaned copy in `scratch`, viewed.
std::string_view sanitize(std::string_view v, std::string& scratch);

}  // namespace llmtap::metrics
