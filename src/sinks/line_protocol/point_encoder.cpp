#include "sinks/line_protocol/point_encoder.h"

#include <fmt/format.h>

#include <charconv>
#include <stdexcept>

#include "metrics/call_facts.h"
#include "sinks/line_protocol/line_writer.h"

namespace llmtap::sinks::lp {
namespace {

int64_t total_tokens(const usage& u) {
  if (u.total_tokens >= 0) return u.total_tokens;
  if (u.input_tokens >= 0 && u.output_tokens >= 0) return u.input_tokens + u.output_tokens;
  return -1;
}

// The tags every point of a call carries, in key order. `http_status`: the `status` tag is the
// HTTP status (metric points); DataKit's logging points use `status` for the log level instead.
void call_tags(line_writer& w, const exchange& x, bool http_status) {
  w.tag("endpoint", to_string(x.ep));
  w.tag("env", x.env);
  w.tag("model", metrics::model_of(x));
  w.tag("outcome", to_string(x.result));
  w.tag("provider", metrics::provider_of(x));
  w.tag("service", x.service);
  if (http_status && x.status != 0) {
    char buf[8];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x.status);
    (void)ec;
    w.tag("status", std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  w.tag("upstream", x.upstream);
}

// The fields of Guance's OpenAI integration that carry numbers (floats, as its metric table says).
void guance_numbers(line_writer& w, const exchange& x) {
  // Unix seconds: whole seconds plus the fraction, so the double is the nearest one to the time.
  const int64_t ns = x.wall_start_unix_ns;
  w.field("create_time",
          static_cast<double>(ns / 1'000'000'000) + static_cast<double>(ns % 1'000'000'000) / 1e9);
  w.field("res_status", static_cast<double>(x.status));
  if (double d = metrics::duration_seconds(x); d >= 0) w.field("response_time", d);
  if (int64_t t = total_tokens(x.usage); t >= 0) w.field("total_tokens", static_cast<double>(t));
}

}  // namespace

flavor parse_flavor(const std::string& s) {
  if (s == "influxdb1") return flavor::influxdb1;
  if (s == "influxdb2") return flavor::influxdb2;
  if (s == "datakit") return flavor::datakit;
  throw std::invalid_argument(
      "line_protocol.flavor must be influxdb1, influxdb2 or datakit, not \"" + s + "\"");
}

size_t point_encoder::append_metrics(const exchange& x, std::string& out) {
  const bool strings = o_.target != flavor::datakit;  // DataKit drops string fields of metrics
  line_writer w(out);
  size_t n = 0;

  w.measurement(o_.measurement);
  call_tags(w, x, true);
  if (double d = metrics::duration_seconds(x); d >= 0) w.field("duration", d);
  if (double t = metrics::ttft_seconds(x); t >= 0) w.field("ttft", t);
  w.field("overhead", metrics::overhead_seconds(x));
  const usage& u = x.usage;
  if (u.input_tokens >= 0) w.field_int("input_tokens", u.input_tokens);
  if (u.output_tokens >= 0) w.field_int("output_tokens", u.output_tokens);
  if (u.cached_input_tokens >= 0) w.field_int("cached_input_tokens", u.cached_input_tokens);
  if (u.reasoning_tokens >= 0) w.field_int("reasoning_tokens", u.reasoning_tokens);
  if (int64_t t = total_tokens(u); t >= 0) w.field_int("total_tokens", t);
  if (u.source != usage_source::none)
    w.field_bool("tokens_estimated", u.source == usage_source::estimated);
  if (x.cost_nano_usd >= 0) w.field("cost_usd", static_cast<double>(x.cost_nano_usd) / 1e9);
  std::string_view error = metrics::error_type_of(x);
  w.field_bool("error", !error.empty());
  w.field_bool("stream", x.stream);
  w.field_int("request_bytes", static_cast<int64_t>(x.request_bytes));
  w.field_int("response_bytes", static_cast<int64_t>(x.response_bytes));
  if (strings && !error.empty()) w.field_str("error_type", error);
  if (strings && !x.request_id.empty()) w.field_str("request_id", x.request_id);
  n += w.end(x.wall_start_unix_ns);

  if (!o_.guance_measurement.empty()) {
    w.measurement(o_.guance_measurement);
    call_tags(w, x, true);
    guance_numbers(w, x);
    if (strings && x.sampled && !x.sample_input.empty()) w.field_str("question", x.sample_input);
    n += w.end(x.wall_start_unix_ns);
  }
  return n;
}

size_t point_encoder::append_log(const exchange& x, std::string& out) {
  if (o_.target != flavor::datakit || !x.sampled) return 0;
  line_writer w(out);
  // DataKit takes a logging point's measurement as its `source`.
  w.measurement(o_.guance_measurement.empty() ? o_.measurement : o_.guance_measurement);
  call_tags(w, x, false);
  w.tag("status", metrics::error_type_of(x).empty() ? "info" : "error");
  guance_numbers(w, x);
  std::string_view in = x.sample_input.empty() ? std::string_view("[]") : x.sample_input;
  std::string_view done = x.sample_output.empty() ? std::string_view("[]") : x.sample_output;
  scratch_.assign("{\"input\":").append(in).append(",\"output\":").append(done).append("}");
  w.field_str("message", scratch_);  // the text DataKit shows for a log
  w.field_str("question", in);
  w.field_str("completion", done);
  if (x.trace.valid()) {
    w.field_str("trace_id",
                fmt::format("{:016x}{:016x}", x.trace.trace_id_hi, x.trace.trace_id_lo));
    w.field_str("span_id", fmt::format("{:016x}", x.trace.span_id));
  }
  return w.end(x.wall_start_unix_ns) ? 1 : 0;
}

}  // namespace llmtap::sinks::lp
