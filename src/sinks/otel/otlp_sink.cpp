#include "sinks/otel/otlp_sink.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "core/debug_log.h"

namespace llmtap::sinks::otlp {
namespace {

namespace pb_coll_trace = opentelemetry::proto::collector::trace::v1;
namespace pb_coll_logs = opentelemetry::proto::collector::logs::v1;
namespace pb_coll_metrics = opentelemetry::proto::collector::metrics::v1;

constexpr size_t kMaxBatch = 512;  // spans per export request, the OTel SDKs' default

template <class Scope>
void name_scope(Scope& s) {
  s.mutable_scope()->set_name("llmtap");
  s.mutable_scope()->set_version(LLMTAP_VERSION);
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = s.find_first_not_of(" \t");
  return i == std::string::npos ? std::string() : s.substr(i);
}

}  // namespace

std::vector<std::string> parse_headers(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = item.find('=');
    if (eq != std::string::npos) {
      std::string k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
      std::string decoded;
      for (size_t i = 0; i < v.size(); ++i) {
        if (v[i] == '%' && i + 2 < v.size() && std::isxdigit(static_cast<unsigned char>(v[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(v[i + 2]))) {
          decoded.push_back(static_cast<char>(std::stoi(v.substr(i + 1, 2), nullptr, 16)));
          i += 2;
        } else {
          decoded.push_back(v[i]);
        }
      }
      // Only an HTTP token as the name, and no CR/LF in the value: nothing can split the request.
      bool token = !k.empty() && k.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                     "!#$%&'*+-.^_`|~") == std::string::npos;
      if (token && decoded.find_first_of("\r\n") == std::string::npos)
        out.push_back(k + ": " + decoded);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

otlp_sink::otlp_sink(sink_options o)
    : queued_sink(o.queue_capacity, std::chrono::milliseconds(1000), kMaxBatch),
      o_(std::move(o)),
      metrics_(o_.encode, static_cast<uint64_t>(wall_ns())),
      next_metrics_(std::chrono::steady_clock::now() + o_.metric_interval) {
  while (!o_.endpoint.empty() && o_.endpoint.back() == '/') o_.endpoint.pop_back();
  o_.headers.push_back(o_.json ? "Content-Type: application/json" : "Content-Type: application/x-protobuf");
}

otlp_sink::~otlp_sink() { stop(std::chrono::seconds(2)); }

bool otlp_sink::post(const char* path, const google::protobuf::Message& m, size_t items, const char* what) {
  const std::string body = serialize(m, o_.json);
  const std::string url = o_.endpoint + path;
  int tries = 0;
  http_response r = post_with_retry(http_, url, o_.headers, body, o_.retry, drain_deadline(), &tries);
  if (r.ok()) {
    debug_line(fmt::format("otlp: sent {} {} ({} bytes, {}) to {}", items, what, body.size(),
                           o_.json ? "json" : "protobuf", url));
    return true;
  }
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
  debug_line(fmt::format("otlp: failed to send, dropping {} {} to {} after {} tries: {}", items, what, url, tries,
                         r.describe()));
  return false;
}

void otlp_sink::deliver(std::vector<item>& batch) {
  pb_coll_trace::ExportTraceServiceRequest traces;
  auto* rs = traces.add_resource_spans();
  fill_resource(*rs->mutable_resource(), o_.service_name, o_.resource_attributes);
  auto* ss = rs->add_scope_spans();
  name_scope(*ss);
  pb_coll_logs::ExportLogsServiceRequest logs;
  auto* rl = logs.add_resource_logs();
  fill_resource(*rl->mutable_resource(), o_.service_name, o_.resource_attributes);
  auto* sl = rl->add_scope_logs();
  name_scope(*sl);
  for (const auto& x : batch) {
    append_span(*ss, *x, o_.encode);
    append_content_logs(*sl, *x, o_.encode);
    metrics_.record(*x);
  }
  metrics_dirty_ = true;
  if (post("/v1/traces", traces, batch.size(), "spans")) {
    counters_.sent.fetch_add(batch.size(), std::memory_order_relaxed);
  } else {
    counters_.dropped.fetch_add(batch.size(), std::memory_order_relaxed);
  }
  if (sl->log_records_size() > 0) post("/v1/logs", logs, static_cast<size_t>(sl->log_records_size()), "log records");
}

void otlp_sink::tick(bool final) {
  auto now = std::chrono::steady_clock::now();
  if (!metrics_dirty_ || (!final && now < next_metrics_)) return;
  next_metrics_ = now + o_.metric_interval;
  pb_coll_metrics::ExportMetricsServiceRequest req;
  auto* rm = req.add_resource_metrics();
  fill_resource(*rm->mutable_resource(), o_.service_name, o_.resource_attributes);
  auto* sm = rm->add_scope_metrics();
  name_scope(*sm);
  metrics_.export_to(*sm, static_cast<uint64_t>(wall_ns()));
  // Cumulative: a failed export is not lost, the next one carries the same totals.
  if (post("/v1/metrics", req, static_cast<size_t>(sm->metrics_size()), "metrics")) metrics_dirty_ = false;
}

check_result otlp_sink::check() {
  // An empty export is valid OTLP: a collector answers 200, and shows whether the headers pass.
  pb_coll_trace::ExportTraceServiceRequest empty;
  http_client probe;
  http_response r = probe.post(o_.endpoint + "/v1/traces", o_.headers, serialize(empty, o_.json), std::chrono::seconds(5));
  if (r.ok()) return {true, fmt::format("an empty export to {}/v1/traces was accepted (HTTP {})", o_.endpoint, r.status)};
  return {false, fmt::format("{}/v1/traces: {}", o_.endpoint, r.describe())};
}

}  // namespace llmtap::sinks::otlp
