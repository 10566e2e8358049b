#include "metrics/call_facts.h"

#include <algorithm>
#include <array>
#include <string>

namespace llmtap::metrics {
namespace {

// "400".."599" once, so error_type_of() can hand out views without allocating per call.
const std::array<std::string, 200>& status_texts() {
  static const std::array<std::string, 200> texts = [] {
    std::array<std::string, 200> t;
    for (int i = 0; i < 200; ++i) t[i] = std::to_string(400 + i);
    return t;
  }();
  return texts;
}

}  // namespace

std::string_view model_of(const exchange& x) {
  if (!x.model_requested.empty()) return x.model_requested;
  if (!x.deployment.empty()) return x.deployment;
  return x.model_served;
}

const char* provider_of(const exchange& x) {
  bool azure = !x.deployment.empty() || std::string_view(x.path).starts_with("/openai/");
  return azure ? "azure" : "openai";
}

const char* status_class_of(const exchange& x) {
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  if (x.status >= 100 && x.status < 600) return kClasses[x.status / 100 - 1];
  return "error";
}

std::string_view error_type_of(const exchange& x) {
  switch (x.result) {
    case outcome::ok:
    case outcome::client_aborted:
      break;
    default:
      return to_string(x.result);
  }
  if (x.status >= 400) {
    if (!x.error_type.empty()) return x.error_type;
    if (x.status < 600) return status_texts()[x.status - 400];
    return "http_error";
  }
  if (x.result == outcome::ok && !x.error_type.empty()) return x.error_type;
  return {};
}

double duration_seconds(const exchange& x) {
  const stamps& t = x.t;
  int64_t end = std::max({t.request_head_done, t.upstream_connect_start, t.upstream_connected,
                          t.request_sent, t.first_byte, t.first_token, t.last_byte});
  if (t.accepted == 0 || end <= t.accepted) return -1;
  return static_cast<double>(end - t.accepted) / 1e9;
}

double ttft_seconds(const exchange& x) {
  if (!x.stream || x.t.first_token == 0 || x.t.accepted == 0 || x.t.first_token < x.t.accepted)
    return -1;
  return static_cast<double>(x.t.first_token - x.t.accepted) / 1e9;
}

double overhead_seconds(const exchange& x) {
  return x.inside_ns > 0 ? static_cast<double>(x.inside_ns) / 1e9 : 0.0;
}

}  // namespace llmtap::metrics
