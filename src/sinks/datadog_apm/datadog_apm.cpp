#include "sinks/datadog_apm/datadog_apm.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/debug_log.h"

namespace llmtap::sinks {
namespace {

// Spans per POST. The Agent takes bodies of tens of MB; a sampled span is a few KB at most.
constexpr size_t kMaxBatch = 1000;

std::string base_url(std::string u) {
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

}  // namespace

datadog_apm_sink::datadog_apm_sink(datadog_apm_options o)
    : queued_sink(o.queue_capacity, o.flush_every, kMaxBatch),
      o_(std::move(o)),
      traces_url_(base_url(o_.agent_url) + "/v0.4/traces") {
  body_.reserve(256 * 1024);
}

datadog_apm_sink::~datadog_apm_sink() {
  stop(std::chrono::seconds(2));
}

void datadog_apm_sink::deliver(std::vector<item>& batch) {
  body_.clear();
  encoder_.append_payload(batch, body_);
  // Header names from the Agent's trace API (datadog-agent pkg/trace/api/internal/header).
  // Datadog's tracers PUT; the Agent's handleTraces (pkg/trace/api) does not look at the method,
  // and http_client offers POST.
  const std::vector<std::string> headers = {
      "Content-Type: application/msgpack",
      fmt::format("X-Datadog-Trace-Count: {}", batch.size()),
      "Datadog-Meta-Lang: cpp",
      "Datadog-Meta-Tracer-Version: " + o_.tracer_version,
  };
  int tries = 0;
  http_response r =
      post_with_retry(http_, traces_url_, headers, body_, o_.retry, drain_deadline(), &tries);
  if (r.ok()) {
    counters_.sent.fetch_add(batch.size(), std::memory_order_relaxed);
    debug_line(fmt::format("datadog_apm: sent {} spans ({} bytes) to {} (HTTP {})", batch.size(),
                           body_.size(), traces_url_, r.status));
    return;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  counters_.dropped.fetch_add(batch.size(), std::memory_order_relaxed);
  debug_line(fmt::format("datadog_apm: failed to send, dropping {} spans to {} after {} tries: {}",
                         batch.size(), traces_url_, tries, r.describe()));
}

check_result datadog_apm_sink::check() {
  const std::string url = base_url(o_.agent_url) + "/info";
  http_client probe;
  http_response r = probe.get(url, {}, std::chrono::seconds(3));
  if (!r.ok()) {
    if (r.status == 404)
      return {false,
              url + ": HTTP 404 (no /info: an Agent older than 7.28, or not a Datadog Agent)"};
    return {false, url + ": " + r.describe()};
  }
  auto info = nlohmann::json::parse(r.body, nullptr, false);
  if (!info.is_object()) return {false, url + ": the answer is not the Agent's JSON"};
  std::string version = info.contains("version") && info["version"].is_string()
                            ? info["version"].get<std::string>()
                            : "?";
  if (info.contains("endpoints") && info["endpoints"].is_array()) {
    bool v04 = false;
    for (const auto& e : info["endpoints"])
      v04 = v04 || (e.is_string() && e.get<std::string>() == "/v0.4/traces");
    if (!v04)
      return {false, fmt::format("Datadog Agent {} at {} does not list /v0.4/traces", version,
                                 o_.agent_url)};
  }
  return {true, fmt::format("Datadog Agent {} at {} (from /info), spans to {}", version,
                            o_.agent_url, traces_url_)};
}

}  // namespace llmtap::sinks
