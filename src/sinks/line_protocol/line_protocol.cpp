#include "sinks/line_protocol/line_protocol.h"

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/debug_log.h"
#include "sinks/line_protocol/gzip.h"
#include "sinks/line_protocol/probe.h"

namespace llmtap::sinks {
namespace {

// Calls per POST: two points each. InfluxDB advises batches of about 5,000 points.
constexpr size_t kMaxBatch = 2500;

std::string base_url(std::string u) {
  while (!u.empty() && u.back() == '/') u.pop_back();
  return u;
}

// A query-string value: unreserved characters as they are, the rest %XX (RFC 3986).
std::string pct(std::string_view v) {
  std::string out;
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

const char* flavor_name(lp::flavor f) {
  switch (f) {
    case lp::flavor::influxdb1:
      return "InfluxDB 1.x";
    case lp::flavor::influxdb2:
      return "InfluxDB 2.x";
    case lp::flavor::datakit:
      return "DataKit";
  }
  return "?";
}

}  // namespace

line_protocol_sink::line_protocol_sink(line_protocol_options o)
    : queued_sink(o.queue_capacity, o.flush_every, kMaxBatch),
      o_(std::move(o)),
      base_(base_url(o_.url)),
      encoder_({o_.target, o_.measurement, o_.guance_measurement}) {
  if (base_.rfind("http://", 0) != 0 && base_.rfind("https://", 0) != 0)
    throw std::invalid_argument("line_protocol.url must start with http:// or https://");
  if (o_.measurement.empty() || o_.measurement[0] == '#')
    throw std::invalid_argument(
        "line_protocol.measurement must be a name (not empty, no leading #)");
  if (!o_.guance_measurement.empty() && o_.guance_measurement[0] == '#')
    throw std::invalid_argument("line_protocol.guance_measurement cannot start with #");
  switch (o_.target) {
    case lp::flavor::influxdb1:
      if (o_.database.empty())
        throw std::invalid_argument(
            "line_protocol.flavor = influxdb1 needs line_protocol.database");
      write_url_ = base_ + "/write?db=" + pct(o_.database) + "&precision=ns";
      break;
    case lp::flavor::influxdb2:
      if (o_.org.empty() || o_.bucket.empty() || o_.token.empty())
        throw std::invalid_argument(
            "line_protocol.flavor = influxdb2 needs line_protocol.org, bucket and token");
      write_url_ = base_ + "/api/v2/write?org=" + pct(o_.org) + "&bucket=" + pct(o_.bucket) +
                   "&precision=ns";
      break;
    case lp::flavor::datakit:
      // `input` names the source in DataKit's monitor; precision n = our nanosecond stamps.
      write_url_ = base_ + "/v1/write/metric?input=llmtap&precision=n";
      log_url_ = base_ + "/v1/write/logging?input=llmtap&precision=n";
      break;
  }
  metrics_.reserve(256 * 1024);
}

line_protocol_sink::~line_protocol_sink() {
  stop(std::chrono::seconds(2));
}

std::vector<std::string> line_protocol_sink::auth_headers() const {
  // InfluxDB 2.x: "Authorization: Token <token>"; 1.8+ reads "Token <user>:<password>" too.
  if (o_.token.empty() || o_.target == lp::flavor::datakit) return {};
  return {"Authorization: Token " + o_.token};
}

void line_protocol_sink::post(const std::string& url, std::string& body, size_t points,
                              const char* what) {
  std::vector<std::string> headers = auth_headers();
  headers.push_back("Content-Type: text/plain; charset=utf-8");
  std::string_view payload = body;
  if (o_.gzip && lp::gzip(body, zipped_)) {
    headers.push_back("Content-Encoding: gzip");
    payload = zipped_;
  }
  int tries = 0;
  http_response r =
      post_with_retry(http_, url, headers, payload, o_.retry, drain_deadline(), &tries);
  if (r.ok()) {
    counters_.sent.fetch_add(points, std::memory_order_relaxed);
    debug_line(fmt::format("line_protocol: sent {} {} points ({} bytes{}) to {} (HTTP {})", points,
                           what, payload.size(), o_.gzip ? ", gzip" : "", url, r.status));
    return;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  counters_.dropped.fetch_add(points, std::memory_order_relaxed);
  debug_line(
      fmt::format("line_protocol: failed to send, dropping {} {} points to {} after {} tries: {}",
                  points, what, url, tries, r.describe()));
}

void line_protocol_sink::deliver(std::vector<item>& batch) {
  metrics_.clear();
  logs_.clear();
  size_t points = 0, logs = 0;
  for (const auto& x : batch) {
    points += encoder_.append_metrics(*x, metrics_);
    logs += encoder_.append_log(*x, logs_);
  }
  if (points > 0) post(write_url_, metrics_, points, "metric");
  if (logs > 0) post(log_url_, logs_, logs, "log");
}

check_result line_protocol_sink::check() {
  const auto timeout = std::chrono::seconds(3);
  if (o_.target == lp::flavor::datakit) {
    const std::string url = base_ + "/v1/ping";
    lp::probe_result r = lp::probe(url, {}, timeout);
    if (!r.error.empty()) return {false, url + ": " + r.error};
    if (r.status != 200) return {false, fmt::format("{}: HTTP {}", url, r.status)};
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    std::string version = r.header("x-datakit");
    if (j.is_object() && j.contains("content") && j["content"].is_object() &&
        j["content"].contains("version") && j["content"]["version"].is_string())
      version = j["content"]["version"].get<std::string>();
    if (version.empty()) return {false, url + ": the answer is not DataKit's (no version)"};
    return {true, fmt::format("DataKit {} at {}, metrics to /v1/write/metric, sampled logs to "
                              "/v1/write/logging",
                              version, base_)};
  }
  const std::string ping = base_ + "/ping";
  lp::probe_result r = lp::probe(ping, auth_headers(), timeout);
  if (!r.error.empty()) return {false, ping + ": " + r.error};
  std::string version = r.header("x-influxdb-version");
  if (r.status != 204 && r.status != 200)
    return {false, fmt::format("{}: HTTP {}", ping, r.status)};
  if (version.empty()) return {false, ping + ": no X-Influxdb-Version header (not InfluxDB?)"};
  if (o_.target == lp::flavor::influxdb1) {
    const std::string q = base_ + "/query?q=SHOW%20DATABASES";
    lp::probe_result d = lp::probe(q, auth_headers(), timeout);
    if (!d.error.empty() || d.status != 200)
      return {false, fmt::format("InfluxDB {} at {}: SHOW DATABASES failed: {}", version, base_,
                                 d.error.empty() ? fmt::format("HTTP {}", d.status) : d.error)};
    bool found = false;
    auto j = nlohmann::json::parse(d.body, nullptr, false);
    if (j.is_object() && j["results"].is_array())
      for (const auto& res : j["results"])
        if (res.is_object() && res.contains("series") && res["series"].is_array())
          for (const auto& s : res["series"])
            if (s.is_object() && s.contains("values") && s["values"].is_array())
              for (const auto& row : s["values"])
                found = found || (row.is_array() && !row.empty() && row[0] == o_.database);
    if (!found)
      return {false, fmt::format("InfluxDB {} at {}: database \"{}\" does not exist (CREATE "
                                 "DATABASE \"{}\")",
                                 version, base_, o_.database, o_.database)};
  }
  return {true, fmt::format("{} (version {}) at {}, points to {}", flavor_name(o_.target), version,
                            base_, write_url_)};
}

}  // namespace llmtap::sinks
