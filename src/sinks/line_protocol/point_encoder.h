#pragma once
// The points one call becomes (docs/metrics.md, "## Line protocol"):
//
// - the full measurement (`line_protocol.measurement`, default "llmtap"): tags endpoint, env,
//   model, outcome, provider, service, status, upstream; fields duration, ttft, overhead (s),
//   tokens by type (integers), cost_usd, stream, error, sizes, and for InfluxDB error_type and
//   request_id;
// - the Guance-compatible measurement (`line_protocol.guance_measurement`, default "openai";
//   empty = off) with the fields of Guance's OpenAI integration (its doc's metric table: question,
//   response_time, create_time, res_status, total_tokens; all floats there). `question` is the
//   sampled prompt only: on sampled calls, and only where a string field is kept (InfluxDB, and
//   DataKit's logging category; DataKit drops string fields from metric points);
// - for DataKit, a logging point per sampled call (`/v1/write/logging`) with the sampled prompt
//   and completion. Only exchange::sample_input/sample_output (already redacted) are ever written.
//
// Timestamps: the call's start, Unix nanoseconds.
#include <cstddef>
#include <string>

#include "core/exchange.h"

namespace llmtap::sinks::lp {

enum class flavor { influxdb1, influxdb2, datakit };
// Throws std::invalid_argument for anything but "influxdb1", "influxdb2", "datakit".
flavor parse_flavor(const std::string& s);

struct point_options {
  flavor target = flavor::influxdb1;
  std::string measurement = "llmtap";
  std::string guance_measurement = "openai";
};

class point_encoder {
 public:
  explicit point_encoder(point_options o) : o_(std::move(o)) {}
  // Appends the call's metric points; returns how many.
  size_t append_metrics(const exchange& x, std::string& out);
  // DataKit only: a logging point when the call was sampled; returns 0 or 1.
  size_t append_log(const exchange& x, std::string& out);
  const point_options& options() const { return o_; }

 private:
  point_options o_;
  std::string scratch_;
};

}  // namespace llmtap::sinks::lp
