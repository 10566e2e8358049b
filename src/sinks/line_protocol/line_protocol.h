#pragma once
// Line-protocol exporter: batches the points of point_encoder.h and POSTs them, at least every
// `flush_every`, to one of
//   influxdb1  <url>/write?db=<database>&precision=ns
//   influxdb2  <url>/api/v2/write?org=<org>&bucket=<bucket>&precision=ns, Authorization: Token
//   datakit    <url>/v1/write/metric?input=llmtap&precision=n, and sampled prompt logs to
//              <url>/v1/write/logging?input=llmtap&precision=n
// with retries (post_with_retry: backoff, Retry-After, 408/429/5xx), gzip when asked.
//
// Counters: received = calls offered; sent = points delivered; errors = failed POSTs; dropped =
// points given up on, plus calls dropped because the queue was full. The token is sent in a
// header and never logged; --debug logs each POST's URL, point count, size and answer.
#include <chrono>
#include <string>

#include "sinks/common/http_client.h"
#include "sinks/common/queued_sink.h"
#include "sinks/line_protocol/point_encoder.h"

namespace llmtap::sinks {

struct line_protocol_options {
  std::string url;  // base URL: http(s)://host:port[/prefix]
  lp::flavor target = lp::flavor::influxdb1;
  std::string database = "llmtap";  // influxdb1
  std::string org, bucket;          // influxdb2
  std::string token;                // influxdb2 (influxdb1 1.8+: "user:password"); secret
  bool gzip = false;
  std::chrono::milliseconds flush_every{1000};
  std::string measurement = "llmtap";
  std::string guance_measurement = "openai";
  size_t queue_capacity = 16384;
  retry_policy retry;
};

class line_protocol_sink final : public queued_sink {
 public:
  // Throws std::invalid_argument when the options cannot work (influxdb2 without org, bucket or
  // token; an empty measurement; a URL that is not http(s)).
  explicit line_protocol_sink(line_protocol_options o);
  ~line_protocol_sink() override;

  const char* name() const override { return "line_protocol"; }
  std::string target() const override { return write_url_; }
  // InfluxDB: /ping (the version from X-Influxdb-Version) and, for 1.x, that the database
  // exists; DataKit: /v1/ping (its version).
  check_result check() override;

  // The URLs written to (no secret in them), for tests and `info`.
  const std::string& write_url() const { return write_url_; }
  const std::string& log_url() const { return log_url_; }

 private:
  void deliver(std::vector<item>& batch) override;
  void post(const std::string& url, std::string& body, size_t points, const char* what);
  std::vector<std::string> auth_headers() const;

  line_protocol_options o_;
  std::string base_;
  std::string write_url_, log_url_;
  lp::point_encoder encoder_;
  http_client http_;
  std::string metrics_, logs_, zipped_;
};

}  // namespace llmtap::sinks
