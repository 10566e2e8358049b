#pragma once
// The OTLP/HTTP exporter: spans (and content log records for sampled calls, when enabled) are
// batched and POSTed to <endpoint>/v1/traces and /v1/logs; GenAI metrics are aggregated here
// and POSTed to /v1/metrics every metric interval and at shutdown. Protobuf by default, OTLP/JSON
// on request. Per the OTLP/HTTP spec (opentelemetry-proto docs/specification.md, "Failures"):
// 429, 502, 503 and 504 and lost connections are retried with jittered exponential backoff
// (Retry-After honoured); every other 4xx/5xx is final. What cannot be sent is dropped and counted.
#include <chrono>
#include <string>
#include <vector>

#include "sinks/common/http_client.h"
#include "sinks/common/queued_sink.h"
#include "sinks/otel/otlp_metrics.h"

namespace llmtap::sinks::otlp {

struct sink_options {
  std::string endpoint;  // base URL; the signal paths are appended
  bool json = false;
  std::vector<std::string> headers;  // "Name: value" lines from OTEL_EXPORTER_OTLP_HEADERS
  std::string service_name;          // OTEL_SERVICE_NAME; empty: the resource attributes' own
  std::string default_service_name = "llmtap";  // when neither names the service
  std::string resource_attributes;
  std::chrono::milliseconds metric_interval{60'000};
  size_t queue_capacity = 16384;
  size_t max_batch = 512;  // spans per export request (the SDKs' batch processor default)
  std::chrono::milliseconds flush_every{1000};
  encode_options encode;
  retry_policy retry;
};

// "k=v,k=v" (OTEL_EXPORTER_OTLP_HEADERS, values percent-decoded) -> header lines. Entries that
// are not a header name and a value without CR/LF are skipped.
std::vector<std::string> parse_headers(const std::string& text);

// The spans or log records a 2xx answer says the collector rejected (OTLP partial success,
// ExportTracePartialSuccess.rejected_spans / ExportLogsPartialSuccess.rejected_log_records,
// field 1 of the response's field 1), from a protobuf or JSON body; 0 when none.
int64_t rejected_items(const std::string& body, bool json);

class otlp_sink final : public queued_sink {
 public:
  explicit otlp_sink(sink_options o);
  ~otlp_sink() override;
  const char* name() const override { return "otlp"; }
  std::string target() const override;
  check_result check() override;

 private:
  void deliver(std::vector<item>& batch) override;
  bool tick(bool final) override;
  // True when the collector took the request; `rejected` gets its partial-success count.
  bool post(const char* path, const google::protobuf::Message& m, size_t items, const char* what,
            int64_t* rejected = nullptr);

  sink_options o_;
  http_client http_;
  metrics_aggregator metrics_;
  std::chrono::steady_clock::time_point next_metrics_;
  bool metrics_dirty_ = false;
};

}  // namespace llmtap::sinks::otlp
