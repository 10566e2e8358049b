#pragma once
// Settings of `llmtap serve` (and of commands that take serve's flags). Every value has a
// default here; llmtap.toml, LLMTAP_<SECTION>_<KEY> environment variables and flags override it,
// in that order of precedence (flag > env > file > default). Load errors name the file, line and
// key. Only config.cpp sees toml++.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace llmtap {

struct upstream_config {
  std::string name;  // "default" or the [upstreams.<name>] table name, reached at /u/<name>/
  std::string url;   // http(s)://host[:port][/base]
  std::string ca_file;  // extra CA bundle (PEM) to trust; empty = system store
  bool verify = true;   // verify certificate chain and host name
};

struct config {
  struct proxy_section {
    std::string listen = "127.0.0.1:8787";
    std::string admin_listen = "127.0.0.1:8788";
    int64_t workers = 0;  // 0 = min(cores, 4)
    int64_t max_header_bytes = 16 * 1024;       // larger heads get 431
    int64_t max_body_bytes = 64 * 1024 * 1024;  // larger request bodies get 413
    int64_t header_timeout_ms = 10'000;  // a request head must arrive within this (else 408)
    int64_t idle_timeout_ms = 60'000;    // keep-alive idle, and any single read/write stall
    int64_t connect_timeout_ms = 5'000;  // upstream TCP + TLS
    int64_t upstream_timeout_ms = 600'000;  // upstream response head (504 after); SDK default
    int64_t upstream_idle_timeout_ms = 300'000;  // gap between upstream body reads
    int64_t pool_idle_ms = 60'000;  // pooled upstream connections unused this long are closed
    int64_t capture_max_bytes = 1024 * 1024;  // bytes of each body kept for parsing
    int64_t shutdown_grace_ms = 30'000;  // in-flight calls get this long to finish on SIGTERM
    bool inject_include_usage = true;  // exact usage for streams that did not ask for it
  } proxy;
  struct upstream_section {
    std::string url = "https://api.openai.com";
    std::string ca_file;
    bool verify = true;
  } upstream;
  struct store_section {
    std::string data_dir;  // empty = $XDG_DATA_HOME/llmtap or ~/.local/share/llmtap
    int64_t queue_capacity = 16384;
    int64_t batch_size = 1024;
  } store;
  struct pipeline_section {
    int64_t queue_capacity = 16384;
  } pipeline;
  struct identity_section {
    std::string service;
    std::string env;
    std::string version;
  } identity;
  struct pricing_section {
    std::string table_file;     // empty: $LLMTAP_PRICING_FILE or the table installed by setup
    std::string override_file;  // your own prices, merged over the table (JSON)
  } pricing;
  struct log_section {
    bool debug = false;
  } log;
  // Datadog: DogStatsD metrics and APM spans, off until a target is configured (here, or with
  // DD_DOGSTATSD_URL, DD_AGENT_HOST, DD_DOGSTATSD_PORT, DD_TRACE_AGENT_URL).
  struct datadog_section {
    std::string dogstatsd_url;          // udp://host:port or unix:///path; empty = off
    int64_t dogstatsd_max_datagram = 1432;  // bytes per datagram (UDP); unix sockets allow 8192
    int64_t dogstatsd_flush_ms = 200;   // lines are packed and sent at least this often
    bool high_cardinality_tags = true;  // openai.user.api_key and openai.organization.* tags
    bool dogstatsd_aggregation = true;  // one line per name+tags per flush (protocol v1.1 packing)
    std::string trace_agent_url;        // http://host:8126; empty = no APM spans
    int64_t trace_flush_ms = 1000;
    int64_t trace_retries = 3;
    int64_t queue_capacity = 16384;     // per sink; full = the call is dropped and counted
    std::string site = "datadoghq.com";  // DD_SITE, for the log intake (DD_API_KEY is env-only)
  } datadog;
  // Sampled prompts and completions: the only way prompt text leaves llmtap.
  struct samples_section {
    double rate = 0.1;             // fraction of calls, deterministic on the trace id; 0 = none
    int64_t max_chars = 4096;      // each text is cut at this many bytes, on a UTF-8 boundary
    bool redact = true;            // keys, bearer tokens, e-mail addresses, card numbers
    std::vector<std::string> redact_patterns;  // more PCRE2 patterns to replace
    std::string output;            // JSON lines: "-" = stdout, else a file; empty = none
    std::string logs_url;          // Datadog log intake; empty = https://http-intake.logs.<site>/api/v2/logs
  } samples;
  struct prometheus_section {
    std::vector<std::string> labels = {"model", "endpoint", "provider", "service", "env", "status_class"};
    bool api_key_label = false;
    bool user_label = false;
    int64_t max_series = 10000;  // per metric family; calls past it are counted as overflow
  } prometheus;
  struct otlp_section {
    std::string endpoint;  // OTEL_EXPORTER_OTLP_ENDPOINT; /v1/traces, /v1/metrics, /v1/logs appended
    std::string protocol = "http/protobuf";  // or http/json (OTEL_EXPORTER_OTLP_PROTOCOL)
    std::string headers;   // OTEL_EXPORTER_OTLP_HEADERS: k=v,k=v (secret: never printed)
    std::string service_name;          // OTEL_SERVICE_NAME; empty = resource service.name, identity.service, "llmtap"
    std::string resource_attributes;   // OTEL_RESOURCE_ATTRIBUTES: k=v,k=v
    int64_t metric_interval_ms = 60'000;  // OTEL_METRIC_EXPORT_INTERVAL
    bool capture_content = false;      // sampled prompts/completions as gen_ai.*.messages
    std::string semconv = "1.41";      // GenAI semantic conventions version: 1.36 ... 1.41, latest
    int64_t queue_capacity = 16384;
  } otlp;
  struct line_protocol_section {
    std::string url;  // InfluxDB or DataKit base URL; empty = off
    std::string flavor = "influxdb1";  // influxdb1 | influxdb2 | datakit
    std::string database = "llmtap";   // InfluxDB 1.x
    std::string org, bucket;           // InfluxDB 2.x
    std::string token;                 // InfluxDB 2.x token (secret: never printed)
    bool gzip = false;
    int64_t flush_ms = 1000;
    std::string measurement = "llmtap";
    std::string guance_measurement = "openai";  // Guance-compatible points; empty = not sent
    int64_t queue_capacity = 16384;
  } line_protocol;

  std::vector<upstream_config> named_upstreams;  // [upstreams.<name>] tables
  std::map<std::string, std::string> deployments;  // [deployments] Azure deployment = "model"

  // "section.key" -> where its value came from: "default", "file", "env", "flag".
  std::map<std::string, std::string> origin;

  std::string resolved_data_dir() const;
  upstream_config default_upstream() const;
};

struct config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Layers, in order: defaults, the file (if path non-empty; a missing explicit file is an error),
// then LLMTAP_* variables from `env` (e.g. environ). Throws config_error naming file/line/key or
// the variable. DD_SERVICE/DD_ENV/DD_VERSION fill identity when LLMTAP_IDENTITY_* are unset.
config load_config(const std::string& path, char** env);

// Applies one "section.key" = text value from a command-line flag; throws config_error.
void set_from_flag(config& c, const std::string& dotted_key, const std::string& value);

// All known "section.key" names with their current values as text, for `info` and docs.
// Secrets (tokens, headers) are shown as "(set)" or "", never their value.
std::vector<std::pair<std::string, std::string>> describe(const config& c);

// Parses "host:port" ("[::1]:80" too); throws config_error mentioning `what`.
std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& what);

}  // namespace llmtap
