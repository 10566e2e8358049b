#pragma once
// Datadog APM exporter: one `openai.request` span per call (span_encoder), batched every
// `flush_every` into one msgpack body POSTed to <agent>/v0.4/traces, retried with backoff on
// 408/429/5xx and transport errors (post_with_retry). A batch given up on is counted in
// `dropped` (spans), each failed batch in `errors`; `sent` counts spans the Agent accepted.
#include <chrono>
#include <string>

#include "sinks/common/http_client.h"
#include "sinks/common/queued_sink.h"
#include "sinks/datadog_apm/span_encoder.h"

namespace llmtap::sinks {

struct datadog_apm_options {
  std::string agent_url = "http://localhost:8126";  // DD_TRACE_AGENT_URL
  std::chrono::milliseconds flush_every{1000};
  size_t queue_capacity = 16384;
  retry_policy retry;
  std::string tracer_version;  // Datadog-Meta-Tracer-Version
};

class datadog_apm_sink final : public queued_sink {
 public:
  explicit datadog_apm_sink(datadog_apm_options o);
  ~datadog_apm_sink() override;

  const char* name() const override { return "datadog_apm"; }
  std::string target() const override { return traces_url_; }
  // GET <agent>/info: the Agent's version and whether it offers /v0.4/traces.
  check_result check() override;

 private:
  void deliver(std::vector<item>& batch) override;

  datadog_apm_options o_;
  std::string traces_url_;
  span_encoder encoder_;
  std::string body_;
  http_client http_;
};

}  // namespace llmtap::sinks
