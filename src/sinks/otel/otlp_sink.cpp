#include "sinks/otel/otlp_sink.h"

#include <fmt/format.h>
#include <google/protobuf/unknown_field_set.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/debug_log.h"

namespace llmtap::sinks::otlp {
namespace {

namespace pb_coll_trace = opentelemetry::proto::collector::trace::v1;
namespace pb_coll_logs = opentelemetry::proto::collector::logs::v1;
namespace pb_coll_metrics = opentelemetry::proto::collector::metrics::v1;

template <class Scope>
void name_scope(Scope& s, const semconv& v) {
  s.mutable_scope()->set_name("llmtap");
  s.mutable_scope()->set_version(LLMTAP_VERSION);
  s.set_schema_url(v.schema_url());
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = s.find_first_not_of(" \t");
  return i == std::string::npos ? std::string() : s.substr(i);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::vector<std::string> parse_headers(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = item.find('=');
    if (eq != std::string::npos) {
      std::string k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
      std::string decoded;
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && hex_digit(v[i + 1]) >= 0 &&
            hex_digit(v[i + 2]) >= 0) {
          decoded.push_back(static_cast<char>(hex_digit(v[i + 1]) * 16 + hex_digit(v[i + 2])));
          i += 2;
        } else {
          decoded.push_back(v[i]);
        }
      }
      // Only an HTTP token as the name, and no CR/LF in the value: nothing can split the request.
      bool token =
          !k.empty() && k.find_first_not_of(
                            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "!#$%&'*+-.^_`|~") == std::string::npos;
      if (token && decoded.find_first_of("\r\n") == std::string::npos)
        out.push_back(k + ": " + decoded);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int64_t rejected_items(const std::string& body, bool json) {
  if (body.empty()) return 0;
  if (json) {
    nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("partialSuccess") || !j["partialSuccess"].is_object())
      return 0;
    for (const char* k : {"rejectedSpans", "rejectedLogRecords", "rejectedDataPoints"}) {
      const auto& v = j["partialSuccess"].value(k, nlohmann::json());
      if (v.is_number_integer()) return v.get<int64_t>();
      if (v.is_string())
        return std::strtoll(v.get<std::string>().c_str(), nullptr, 10);  // int64 as a string
    }
    return 0;
  }
  // The vendored protos predate partial success: read field 1 (partial_success), then its field 1.
  google::protobuf::UnknownFieldSet response, partial;
  if (!response.ParseFromString(body)) return 0;
  for (int i = 0; i < response.field_count(); ++i) {
    const auto& f = response.field(i);
    if (f.number() != 1 || f.type() != google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      continue;
    if (!partial.ParseFromString(f.length_delimited())) return 0;
    for (int k = 0; k < partial.field_count(); ++k)
      if (partial.field(k).number() == 1 &&
          partial.field(k).type() == google::protobuf::UnknownField::TYPE_VARINT)
        return static_cast<int64_t>(partial.field(k).varint());
  }
  return 0;
}

otlp_sink::otlp_sink(sink_options o)
    : queued_sink(o.queue_capacity, o.flush_every, o.max_batch),
      o_(std::move(o)),
      metrics_(o_.encode, static_cast<uint64_t>(wall_ns())),
      next_metrics_(std::chrono::steady_clock::now() + o_.metric_interval) {
  while (!o_.endpoint.empty() && o_.endpoint.back() == '/') o_.endpoint.pop_back();
  o_.headers.push_back(o_.json ? "Content-Type: application/json"
                               : "Content-Type: application/x-protobuf");
  o_.retry.retry_408 = false;
}

otlp_sink::~otlp_sink() {
  stop(std::chrono::seconds(2));
}

std::string otlp_sink::target() const {
  // Never user:password@ from the URL: target() is printed.
  size_t scheme = o_.endpoint.find("://");
  size_t at = o_.endpoint.find('@');
  size_t path = o_.endpoint.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos ||
      (path != std::string::npos && at > path))
    return o_.endpoint;
  return o_.endpoint.substr(0, scheme + 3) + o_.endpoint.substr(at + 1);
}

bool otlp_sink::post(const char* path, const google::protobuf::Message& m, size_t items,
                     const char* what, int64_t* rejected) {
  const std::string body = serialize(m, o_.json);
  const std::string url = o_.endpoint + path;
  int tries = 0;
  http_response r =
      post_with_retry(http_, url, o_.headers, body, o_.retry, drain_deadline(), &tries);
  if (r.ok()) {
    const int64_t n = rejected_items(r.body, o_.json);
    if (rejected != nullptr) *rejected = n;
    debug_line(fmt::format("otlp: sent {} {} ({} bytes, {}) to {}{}", items, what, body.size(),
                           o_.json ? "json" : "protobuf", target(), path) +
               (n > 0 ? fmt::format("; the collector rejected {}", n) : std::string()));
    return true;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  debug_line(fmt::format("otlp: failed to send, dropping {} {} to {}{} after {} tries: {}", items,
                         what, target(), path, tries, r.describe()));
  return false;
}

void otlp_sink::deliver(std::vector<item>& batch) {
  pb_coll_trace::ExportTraceServiceRequest traces;
  auto* rs = traces.add_resource_spans();
  fill_resource(*rs->mutable_resource(), o_.service_name, o_.resource_attributes,
                o_.default_service_name);
  auto* ss = rs->add_scope_spans();
  name_scope(*ss, o_.encode.version);
  pb_coll_logs::ExportLogsServiceRequest logs;
  auto* rl = logs.add_resource_logs();
  fill_resource(*rl->mutable_resource(), o_.service_name, o_.resource_attributes,
                o_.default_service_name);
  auto* sl = rl->add_scope_logs();
  name_scope(*sl, o_.encode.version);
  size_t unsampled = 0;
  for (const auto& x : batch) {
    metrics_.record(*x);  // metrics count every call, whatever the caller's sampling
    if (!exports_span(*x)) {
      ++unsampled;
      continue;
    }
    append_span(*ss, *x, o_.encode);
    append_content_logs(*sl, *x, o_.encode);
  }
  metrics_dirty_ = true;
  if (unsampled > 0)
    debug_line(fmt::format("otlp: {} calls of unsampled caller traces: no span", unsampled));
  const auto spans = static_cast<size_t>(ss->spans_size());
  if (spans > 0) {
    int64_t rejected = 0;
    if (post("/v1/traces", traces, spans, "spans", &rejected)) {
      const auto lost =
          static_cast<size_t>(std::clamp<int64_t>(rejected, 0, static_cast<int64_t>(spans)));
      counters_.sent.fetch_add(spans - lost, std::memory_order_relaxed);
      counters_.dropped.fetch_add(lost, std::memory_order_relaxed);
    } else {
      counters_.dropped.fetch_add(spans, std::memory_order_relaxed);
    }
  }
  if (sl->log_records_size() > 0)
    post("/v1/logs", logs, static_cast<size_t>(sl->log_records_size()), "log records");
}

// Metrics not yet exported (or whose export failed) keep the thread ticking.
bool otlp_sink::tick(bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!metrics_dirty_ || (!final && now < next_metrics_)) return metrics_dirty_;
  next_metrics_ = now + o_.metric_interval;
  pb_coll_metrics::ExportMetricsServiceRequest req;
  auto* rm = req.add_resource_metrics();
  fill_resource(*rm->mutable_resource(), o_.service_name, o_.resource_attributes,
                o_.default_service_name);
  auto* sm = rm->add_scope_metrics();
  name_scope(*sm, o_.encode.version);
  metrics_.export_to(*sm, static_cast<uint64_t>(wall_ns()));
  // Cumulative: a failed export is not lost, the next one carries the same totals.
  if (post("/v1/metrics", req, static_cast<size_t>(sm->metrics_size()), "metrics"))
    metrics_dirty_ = false;
  return metrics_dirty_;
}

check_result otlp_sink::check() {
  // An empty export is valid OTLP: a collector answers 200, and shows whether the headers pass.
  pb_coll_trace::ExportTraceServiceRequest empty;
  http_client probe;
  http_response r = probe.post(o_.endpoint + "/v1/traces", o_.headers, serialize(empty, o_.json),
                               std::chrono::seconds(5));
  if (r.ok())
    return {true, fmt::format("an empty export to {}/v1/traces was accepted (HTTP {})", target(),
                              r.status)};
  return {false, fmt::format("{}/v1/traces: {}", target(), r.describe())};
}

}  // namespace llmtap::sinks::otlp
