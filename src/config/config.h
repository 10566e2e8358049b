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
std::vector<std::pair<std::string, std::string>> describe(const config& c);

// Parses "host:port" ("[::1]:80" too); throws config_error mentioning `what`.
std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& what);

}  // namespace llmtap
