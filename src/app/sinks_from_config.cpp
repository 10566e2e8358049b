#include "app/sinks_from_config.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "metrics/registry.h"
#include "sinks/datadog_apm/datadog_apm.h"
#include "sinks/dogstatsd/dogstatsd.h"
#include "sinks/line_protocol/line_protocol.h"
#include "sinks/otel/otlp_sink.h"
#include "sinks/sample_log/sample_log.h"

namespace llmtap {
namespace {

std::string hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Sampled prompt/completion logs: to a file or stdout (samples.output), and to Datadog's log
// intake when DD_API_KEY is set. DD_API_KEY is read from the environment only, never from a file.
void add_sample_log(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  const char* key = std::getenv("DD_API_KEY");
  sinks::sample_log_options o;
  o.output = c.samples.output;
  o.api_key = key != nullptr ? key : "";
  if (c.samples.rate <= 0 || (o.output.empty() && o.api_key.empty())) return;
  o.intake_url = c.samples.logs_url.empty() ? "https://http-intake.logs." + c.datadog.site + "/api/v2/logs"
                                            : c.samples.logs_url;
  o.hostname = hostname();
  try {
    out.push_back(std::make_unique<sinks::sample_log_sink>(std::move(o)));
  } catch (const std::runtime_error& e) {
    throw config_error(e.what());
  }
}

// DogStatsD metrics when datadog.dogstatsd_url is set (DD_DOGSTATSD_URL, DD_AGENT_HOST...).
void add_dogstatsd(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  if (c.datadog.dogstatsd_url.empty()) return;
  sinks::dogstatsd_options o;
  o.url = c.datadog.dogstatsd_url;
  o.max_datagram = static_cast<size_t>(c.datadog.dogstatsd_max_datagram);
  o.flush_every = std::chrono::milliseconds(c.datadog.dogstatsd_flush_ms);
  o.high_cardinality_tags = c.datadog.high_cardinality_tags;
  o.aggregate = c.datadog.dogstatsd_aggregation;
  o.queue_capacity = static_cast<size_t>(c.datadog.queue_capacity);
  try {
    out.push_back(std::make_unique<sinks::dogstatsd_sink>(std::move(o)));
  } catch (const std::invalid_argument& e) {
    throw config_error(e.what());
  }
}

// APM spans when datadog.trace_agent_url is set (DD_TRACE_AGENT_URL, DD_AGENT_HOST...).
void add_datadog_apm(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  if (c.datadog.trace_agent_url.empty()) return;
  sinks::datadog_apm_options o;
  o.agent_url = c.datadog.trace_agent_url;
  o.flush_every = std::chrono::milliseconds(c.datadog.trace_flush_ms);
  o.queue_capacity = static_cast<size_t>(c.datadog.queue_capacity);
  o.retry.retries = static_cast<int>(c.datadog.trace_retries);
  o.tracer_version = LLMTAP_VERSION;
  out.push_back(std::make_unique<sinks::datadog_apm_sink>(std::move(o)));
}

// The registry behind /metrics: always on ([prometheus] picks its labels and series cap).
void add_metrics_registry(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  metrics::registry_options o;
  o.labels = c.prometheus.labels;
  o.api_key_label = c.prometheus.api_key_label;
  o.user_label = c.prometheus.user_label;
  o.max_series = static_cast<size_t>(c.prometheus.max_series);
  o.admin_listen = c.proxy.admin_listen;
  try {
    out.push_back(std::make_unique<metrics::registry>(std::move(o)));
  } catch (const std::invalid_argument& e) {
    throw config_error(e.what());
  }
}

// InfluxDB 1.x/2.x or DataKit when line_protocol.url is set.
void add_line_protocol(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  const auto& l = c.line_protocol;
  if (l.url.empty()) return;
  sinks::line_protocol_options o;
  o.url = l.url;
  o.database = l.database;
  o.org = l.org;
  o.bucket = l.bucket;
  o.token = l.token;
  o.gzip = l.gzip;
  o.flush_every = std::chrono::milliseconds(l.flush_ms);
  o.measurement = l.measurement;
  o.guance_measurement = l.guance_measurement;
  o.queue_capacity = static_cast<size_t>(l.queue_capacity);
  try {
    o.target = sinks::lp::parse_flavor(l.flavor);
    out.push_back(std::make_unique<sinks::line_protocol_sink>(std::move(o)));
  } catch (const std::invalid_argument& e) {
    throw config_error(e.what());
  }
}

// (host, port) of an upstream URL, for server.address / server.port on OTLP data.
std::pair<std::string, int> host_port_of(const std::string& url) {
  size_t scheme = url.find("://");
  std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  int port = url.rfind("https://", 0) == 0 ? 443 : 80;
  if (!rest.empty() && rest[0] == '[') {  // [v6]:port
    size_t close = rest.find(']');
    if (close == std::string::npos) return {rest, port};
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = std::atoi(rest.c_str() + close + 2);
    rest = rest.substr(1, close - 1);
  } else if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    port = std::atoi(rest.c_str() + colon + 1);
    rest = rest.substr(0, colon);
  }
  return {rest, port};
}

// OTLP/HTTP traces, metrics and logs when otlp.endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT).
void add_otlp(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  const auto& t = c.otlp;
  if (t.endpoint.empty()) return;
  sinks::otlp::sink_options o;
  o.endpoint = t.endpoint;
  o.json = t.protocol == "http/json";
  o.headers = sinks::otlp::parse_headers(t.headers);
  o.service_name = t.service_name;  // else a service.name in the resource attributes, else:
  o.default_service_name = !c.identity.service.empty() ? c.identity.service : "llmtap";
  o.resource_attributes = t.resource_attributes;
  o.metric_interval = std::chrono::milliseconds(t.metric_interval_ms);
  o.queue_capacity = static_cast<size_t>(t.queue_capacity);
  o.encode.capture_content = t.capture_content;
  if (!sinks::otlp::parse_semconv(t.semconv, o.encode.version))
    throw config_error("otlp.semconv must be one of 1.36 ... 1.41 or latest, got \"" + t.semconv + "\"");
  o.encode.servers["default"] = host_port_of(c.upstream.url);
  for (const auto& u : c.named_upstreams) o.encode.servers[u.name] = host_port_of(u.url);
  out.push_back(std::make_unique<sinks::otlp::otlp_sink>(std::move(o)));
}

}  // namespace

std::vector<std::unique_ptr<sinks::sink>> sinks_from_config(const config& c) {
  std::vector<std::unique_ptr<sinks::sink>> out;
  add_metrics_registry(c, out);
  add_sample_log(c, out);
  add_dogstatsd(c, out);
  add_datadog_apm(c, out);
  add_line_protocol(c, out);
  add_otlp(c, out);
  return out;
}

}  // namespace llmtap
