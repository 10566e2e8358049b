#pragma once
// The OTLP/HTTP exporter: spans (and content log records for sampled calls, when enabled) are
// batched and POSTed to <endpoint>/v1/traces and /v1/logs; GenAI metrics are aggregated here
// and POSTed to /v1/metrics every metric interval and at shutdown. Protobuf by default, OTLP/JSON
// on request. Retries on 408/429/502/503/504 and transport errors with jittered backoff; what
// cannot be sent is dropped and counted.
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
  std::string service_name;
  std::string resource_attributes;
  std::chrono::milliseconds metric_interval{60'000};
  size_t queue_capacity = 16384;
  encode_options encode;
  retry_policy retry;
};

// "k=v,k=v" (OTEL_EXPORTER_OTLP_HEADERS, values percent-decoded) -> header lines.
std::vector<std::string> parse_headers(const std::string& text);

class otlp_sink final : public queued_sink {
 public:
  explicit otlp_sink(sink_options o);
  ~otlp_sink() override;
  const char* name() const override { return "otlp"; }
  std::string target() const override { return o_.endpoint; }
  check_result check() override;

 private:
  void deliver(std::vector<item>& batch) override;
  void tick(bool final) override;
  bool post(const char* path, const google::protobuf::Message& m, size_t items, const char* what);

  sink_options o_;
  http_client http_;
  metrics_aggregator metrics_;
  std::chrono::steady_clock::time_point next_metrics_;
  bool metrics_dirty_ = false;
};

}  // namespace llmtap::sinks::otlp
