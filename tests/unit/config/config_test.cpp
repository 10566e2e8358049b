#include "config/config.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace llmtap {
namespace {

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& text) {
    char name[] = "/tmp/llmtap-config-XXXXXX";
    int fd = mkstemp(name);
    path = name;
    ::close(fd);
    std::ofstream(path) << text;
  }
  ~temp_file() { std::remove(path.c_str()); }
};

std::string error_of(const std::string& toml, std::vector<std::string> env = {}) {
  temp_file f(toml);
  std::vector<char*> e;
  for (auto& s : env) e.push_back(s.data());
  e.push_back(nullptr);
  try {
    load_config(f.path, e.data());
  } catch (const config_error& ex) {
    std::string msg = ex.what();
    auto pos = msg.find(f.path);
    if (pos != std::string::npos) msg.replace(pos, f.path.size(), "FILE");
    return msg;
  }
  return "";
}

TEST(Config, DefaultsMatchTheSpec) {
  char* env[] = {nullptr};
  config c = load_config("", env);
  EXPECT_EQ(c.proxy.listen, "127.0.0.1:8787");
  EXPECT_EQ(c.proxy.admin_listen, "127.0.0.1:8788");
  EXPECT_EQ(c.upstream.url, "https://api.openai.com");
  EXPECT_TRUE(c.upstream.verify);
  EXPECT_EQ(c.origin.at("proxy.listen"), "default");
}

TEST(Config, FileThenEnvThenFlag) {
  temp_file f("[proxy]\nlisten = \"127.0.0.1:9000\"\nworkers = 2\n[upstreams.local]\nurl = \"http://127.0.0.1:8000/v1\"\n");
  std::string v1 = "LLMTAP_PROXY_WORKERS=3";
  std::string v2 = "DD_SERVICE=checkout";
  char* env[] = {v1.data(), v2.data(), nullptr};
  config c = load_config(f.path, env);
  EXPECT_EQ(c.proxy.listen, "127.0.0.1:9000");
  EXPECT_EQ(c.origin.at("proxy.listen"), "file");
  EXPECT_EQ(c.proxy.workers, 3);
  EXPECT_EQ(c.origin.at("proxy.workers"), "env");
  EXPECT_EQ(c.identity.service, "checkout");
  ASSERT_EQ(c.named_upstreams.size(), 1u);
  EXPECT_EQ(c.named_upstreams[0].name, "local");
  set_from_flag(c, "proxy.listen", "127.0.0.1:0");
  EXPECT_EQ(c.proxy.listen, "127.0.0.1:0");
  EXPECT_EQ(c.origin.at("proxy.listen"), "flag");
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  EXPECT_EQ(error_of("[proxy]\nlisten = \"127.0.0.1:1\"\nlisen = \"x\"\n"), "FILE:3: unknown key proxy.lisen");
  EXPECT_EQ(error_of("[prxy]\nlisten = 1\n"), "FILE:2: unknown key prxy.listen");
}

TEST(Config, BadValuesNameTheKey) {
  EXPECT_EQ(error_of("[proxy]\nworkers = \"four\"\n"), "FILE:2: proxy.workers expected an integer");
  EXPECT_EQ(error_of("[proxy]\nworkers = 1000\n"), "FILE:2: proxy.workers must be between 0 and 64");
  EXPECT_EQ(error_of("[proxy]\nlisten = \"nowhere\"\n"), "FILE:2: proxy.listen address \"nowhere\" is not HOST:PORT");
  EXPECT_EQ(error_of("[upstream]\nurl = \"ftp://x\"\n"), "FILE:2: upstream.url must start with http:// or https://");
  EXPECT_EQ(error_of("[upstreams.x]\nurl = \"http://h\"\ncolour = 1\n"),
            "FILE:3: unknown key upstreams.x.colour (known: url, ca_file, verify)");
  EXPECT_EQ(error_of("[proxy\n"), error_of("[proxy\n"));  // a syntax error is reported, not thrown through
  EXPECT_NE(error_of("[proxy\n").find("FILE:1"), std::string::npos);
}

TEST(Config, BadEnvironmentNamesTheVariable) {
  EXPECT_EQ(error_of("", {"LLMTAP_PROXY_WORKERZ=1"}), "environment: unknown variable LLMTAP_PROXY_WORKERZ");
  EXPECT_EQ(error_of("", {"LLMTAP_CONFIG=x.toml", "LLMTAP_TOKENIZER_DIR=/x"}), "");  // not settings
  EXPECT_EQ(error_of("", {"LLMTAP_UPSTREAM_VERIFY=maybe"}),
            "environment: LLMTAP_UPSTREAM_VERIFY expected true or false, got \"maybe\"");
}

TEST(Config, HostPort) {
  EXPECT_EQ(parse_host_port("127.0.0.1:8787", "x"), (std::pair<std::string, uint16_t>{"127.0.0.1", 8787}));
  EXPECT_EQ(parse_host_port("[::1]:80", "x"), (std::pair<std::string, uint16_t>{"::1", 80}));
  EXPECT_THROW(parse_host_port("127.0.0.1:99999", "x"), config_error);
  EXPECT_THROW(parse_host_port(":80", "x"), config_error);
}

}  // namespace
}  // namespace llmtap

namespace llmtap {
namespace {

config with_env(const std::string& toml, std::vector<std::string> env) {
  temp_file f(toml);
  std::vector<char*> e;
  for (auto& s : env) e.push_back(s.data());
  e.push_back(nullptr);
  return load_config(f.path, e.data());
}

TEST(ConfigTelemetry, DatadogAgentHostSetsBothTargets) {
  config c = with_env("", {"DD_AGENT_HOST=dd-agent", "DD_TRACE_AGENT_PORT=9126"});
  EXPECT_EQ(c.datadog.dogstatsd_url, "udp://dd-agent:8125");
  EXPECT_EQ(c.datadog.trace_agent_url, "http://dd-agent:9126");
  EXPECT_EQ(c.origin["datadog.dogstatsd_url"], "env (DD_AGENT_HOST)");
}

TEST(ConfigTelemetry, ExplicitUrlsBeatAgentHostAndLlmtapVariablesBeatVendorOnes) {
  config c = with_env("[datadog]\ndogstatsd_url = \"udp://file:1\"\n",
                      {"DD_AGENT_HOST=dd-agent", "DD_DOGSTATSD_URL=unix:///var/run/datadog/dsd.socket",
                       "DD_TRACE_AGENT_URL=http://apm:8126", "LLMTAP_DATADOG_TRACE_AGENT_URL=http://mine:1"});
  EXPECT_EQ(c.datadog.dogstatsd_url, "unix:///var/run/datadog/dsd.socket");  // vendor env beats the file
  EXPECT_EQ(c.datadog.trace_agent_url, "http://mine:1");                    // LLMTAP_* beats vendor env
}

TEST(ConfigTelemetry, OtelVariables) {
  config c = with_env("", {"OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318", "OTEL_SERVICE_NAME=shop",
                           "OTEL_METRIC_EXPORT_INTERVAL=5000", "OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
                           "OTEL_EXPORTER_OTLP_HEADERS=api-key=s3cret"});
  EXPECT_EQ(c.otlp.endpoint, "http://collector:4318");
  EXPECT_EQ(c.otlp.service_name, "shop");
  EXPECT_EQ(c.otlp.metric_interval_ms, 5000);
  EXPECT_EQ(c.otlp.protocol, "http/json");
  EXPECT_EQ(c.otlp.headers, "api-key=s3cret");
  for (const auto& [k, v] : describe(c))
    if (k == "otlp.headers") {
      EXPECT_EQ(v, "(set)");  // a secret is never shown
    }
}

TEST(ConfigTelemetry, ListsAndNumbersFromFileAndEnvironment) {
  config c = with_env("[samples]\nrate = 0.25\nredact_patterns = [\"ACCT-\\\\d+\", \"x\"]\n",
                      {"LLMTAP_PROMETHEUS_LABELS=model,env"});
  EXPECT_DOUBLE_EQ(c.samples.rate, 0.25);
  EXPECT_EQ(c.samples.redact_patterns, (std::vector<std::string>{"ACCT-\\d+", "x"}));
  EXPECT_EQ(c.prometheus.labels, (std::vector<std::string>{"model", "env"}));
  config one = with_env("[samples]\nrate = 1\n", {});  // a TOML integer is a fine rate
  EXPECT_DOUBLE_EQ(one.samples.rate, 1.0);
}

TEST(ConfigTelemetry, BadTelemetryValuesNameTheKey) {
  EXPECT_EQ(error_of("[samples]\nrate = 1.5\n"), "FILE:2: samples.rate must be between 0 and 1");
  EXPECT_EQ(error_of("[samples]\nredact_patterns = \"x\"\n"), "FILE:2: samples.redact_patterns expected an array of strings");
  EXPECT_EQ(error_of("[datadog]\ndogstatsd_url = \"tcp://x:1\"\n"),
            "FILE:2: datadog.dogstatsd_url must start with udp:// or unix://");
  EXPECT_EQ(error_of("[line_protocol]\nflavor = \"influx\"\n"),
            "FILE:2: line_protocol.flavor must be one of influxdb1, influxdb2, datakit");
  EXPECT_EQ(error_of("", {"DD_DOGSTATSD_URL=udp://nohost"}),
            "environment: DD_DOGSTATSD_URL address \"nohost\" is not HOST:PORT");
  EXPECT_EQ(error_of("", {"LLMTAP_SAMPLES_RATE=lots"}), "environment: LLMTAP_SAMPLES_RATE expected a number, got \"lots\"");
}

}  // namespace
}  // namespace llmtap
