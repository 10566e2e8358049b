#include "config/config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <thread>
#include <type_traits>
#include <toml++/toml.h>

#include "core/paths.h"

namespace llmtap {
namespace {

// A value's validity check; returns an empty string when fine, else why not.
using check_fn = std::function<std::string(const std::string&)>;

struct setting {
  std::string section, key;
  // Set from text (env, flag). Returns an error message, empty on success.
  std::function<std::string(config&, const std::string&)> set_text;
  // Set from a TOML node. Returns an error message, empty on success.
  std::function<std::string(config&, const toml::node&)> set_toml;
  std::function<std::string(const config&)> get;
};

std::string check_url(const std::string& v) {
  if (v.rfind("http://", 0) != 0 && v.rfind("https://", 0) != 0)
    return "must start with http:// or https://";
  auto rest = v.substr(v.find("://") + 3);
  if (rest.empty() || rest[0] == '/') return "has no host";
  return {};
}

std::string check_listen(const std::string& v) {
  try {
    parse_host_port(v, "address");
  } catch (const config_error& e) {
    return e.what();
  }
  return {};
}

template <auto Sec, auto Field>
setting string_setting(const char* section, const char* key, check_fn check = nullptr) {
  auto apply = [check](config& c, const std::string& v) -> std::string {
    if (check)
      if (auto why = check(v); !why.empty()) return why;
    (c.*Sec).*Field = v;
    return {};
  };
  return {section, key, apply,
          [apply](config& c, const toml::node& n) -> std::string {
            auto s = n.value<std::string>();
            if (!s || !n.is_string()) return "expected a string";
            return apply(c, *s);
          },
          [](const config& c) { return (c.*Sec).*Field; }};
}

// An integer or a floating-point number with its allowed range.
template <auto Sec, auto Field, class T>
setting number_setting(const char* section, const char* key, T lo, T hi) {
  auto apply = [lo, hi](config& c, T v) -> std::string {
    if (!(v >= lo && v <= hi)) return fmt::format("must be between {} and {}", lo, hi);
    (c.*Sec).*Field = v;
    return {};
  };
  constexpr const char* kind = std::is_integral_v<T> ? "an integer" : "a number";
  return {section, key,
          [apply, kind](config& c, const std::string& text) -> std::string {
            T v{};
            auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
            if (ec != std::errc() || p != text.data() + text.size() || text.empty())
              return fmt::format("expected {}, got \"{}\"", kind, text);
            return apply(c, v);
          },
          [apply, kind](config& c, const toml::node& n) -> std::string {
            if (std::is_integral_v<T> ? !n.is_integer() : !n.is_number()) return fmt::format("expected {}", kind);
            return apply(c, *n.value<T>());
          },
          [](const config& c) { return fmt::format("{}", (c.*Sec).*Field); }};
}

template <auto Sec, auto Field>
setting int_setting(const char* section, const char* key, int64_t lo, int64_t hi) {
  return number_setting<Sec, Field, int64_t>(section, key, lo, hi);
}

template <auto Sec, auto Field>
setting bool_setting(const char* section, const char* key) {
  return {section, key,
          [](config& c, const std::string& text) -> std::string {
            std::string t = text;
            std::transform(t.begin(), t.end(), t.begin(), ::tolower);
            if (t == "true" || t == "1" || t == "yes" || t == "on") (c.*Sec).*Field = true;
            else if (t == "false" || t == "0" || t == "no" || t == "off") (c.*Sec).*Field = false;
            else return fmt::format("expected true or false, got \"{}\"", text);
            return {};
          },
          [](config& c, const toml::node& n) -> std::string {
            if (!n.is_boolean()) return "expected true or false";
            (c.*Sec).*Field = *n.value<bool>();
            return {};
          },
          [](const config& c) -> std::string { return (c.*Sec).*Field ? "true" : "false"; }};
}

template <auto Sec, auto Field>
setting double_setting(const char* section, const char* key, double lo, double hi) {
  return number_setting<Sec, Field, double>(section, key, lo, hi);
}

// A list: a TOML array of strings in the file, comma-separated text in env and flags.
template <auto Sec, auto Field>
setting list_setting(const char* section, const char* key) {
  return {section, key,
          [](config& c, const std::string& text) -> std::string {
            std::vector<std::string> out;
            size_t start = 0;
            while (start <= text.size() && !text.empty()) {
              size_t comma = text.find(',', start);
              std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
              if (!item.empty()) out.push_back(std::move(item));
              if (comma == std::string::npos) break;
              start = comma + 1;
            }
            (c.*Sec).*Field = std::move(out);
            return {};
          },
          [](config& c, const toml::node& n) -> std::string {
            const auto* arr = n.as_array();
            if (!arr) return "expected an array of strings";
            std::vector<std::string> out;
            for (const auto& item : *arr) {
              if (!item.is_string()) return "expected an array of strings";
              out.push_back(*item.value<std::string>());
            }
            (c.*Sec).*Field = std::move(out);
            return {};
          },
          [](const config& c) { return fmt::format("{}", fmt::join((c.*Sec).*Field, ",")); }};
}

// A string never shown: describe() says "(set)" or nothing.
template <auto Sec, auto Field>
setting secret_setting(const char* section, const char* key) {
  setting s = string_setting<Sec, Field>(section, key);
  s.get = [](const config& c) -> std::string { return ((c.*Sec).*Field).empty() ? "" : "(set)"; };
  return s;
}

check_fn one_of(std::vector<std::string> allowed) {
  return [allowed](const std::string& v) -> std::string {
    for (const auto& a : allowed)
      if (v == a) return {};
    return fmt::format("must be one of {}", fmt::join(allowed, ", "));
  };
}

std::string check_url_or_empty(const std::string& v) { return v.empty() ? std::string() : check_url(v); }

std::string check_dogstatsd_url(const std::string& v) {
  if (v.empty()) return {};
  if (v.rfind("unix://", 0) == 0) return v.size() > 7 ? std::string() : "has no socket path";
  if (v.rfind("udp://", 0) != 0) return "must start with udp:// or unix://";
  try {
    parse_host_port(v.substr(6), "address");
  } catch (const config_error& e) {
    return e.what();
  }
  return {};
}

using C = config;
const std::vector<setting>& settings() {
  static const std::vector<setting> all = {
      string_setting<&C::proxy, &C::proxy_section::listen>("proxy", "listen", check_listen),
      string_setting<&C::proxy, &C::proxy_section::admin_listen>("proxy", "admin_listen",
                                                                  check_listen),
      int_setting<&C::proxy, &C::proxy_section::workers>("proxy", "workers", 0, 64),
      int_setting<&C::proxy, &C::proxy_section::max_header_bytes>("proxy", "max_header_bytes",
                                                                  1024, 1 << 20),
      int_setting<&C::proxy, &C::proxy_section::max_body_bytes>("proxy", "max_body_bytes", 1024,
                                                                int64_t(4) << 30),
      int_setting<&C::proxy, &C::proxy_section::header_timeout_ms>("proxy", "header_timeout_ms",
                                                                   10, 3'600'000),
      int_setting<&C::proxy, &C::proxy_section::idle_timeout_ms>("proxy", "idle_timeout_ms", 10,
                                                                 86'400'000),
      int_setting<&C::proxy, &C::proxy_section::connect_timeout_ms>("proxy", "connect_timeout_ms",
                                                                    10, 600'000),
      int_setting<&C::proxy, &C::proxy_section::upstream_timeout_ms>(
          "proxy", "upstream_timeout_ms", 10, 86'400'000),
      int_setting<&C::proxy, &C::proxy_section::upstream_idle_timeout_ms>(
          "proxy", "upstream_idle_timeout_ms", 10, 86'400'000),
      int_setting<&C::proxy, &C::proxy_section::pool_idle_ms>("proxy", "pool_idle_ms", 0,
                                                              86'400'000),
      int_setting<&C::proxy, &C::proxy_section::capture_max_bytes>("proxy", "capture_max_bytes",
                                                                   0, int64_t(1) << 30),
      int_setting<&C::proxy, &C::proxy_section::shutdown_grace_ms>("proxy", "shutdown_grace_ms",
                                                                   0, 3'600'000),
      bool_setting<&C::proxy, &C::proxy_section::inject_include_usage>("proxy", "inject_include_usage"),
      string_setting<&C::upstream, &C::upstream_section::url>("upstream", "url", check_url),
      string_setting<&C::upstream, &C::upstream_section::ca_file>("upstream", "ca_file"),
      bool_setting<&C::upstream, &C::upstream_section::verify>("upstream", "verify"),
      string_setting<&C::store, &C::store_section::data_dir>("store", "data_dir"),
      int_setting<&C::store, &C::store_section::queue_capacity>("store", "queue_capacity", 1,
                                                                 1 << 24),
      int_setting<&C::store, &C::store_section::batch_size>("store", "batch_size", 1, 1 << 20),
      int_setting<&C::pipeline, &C::pipeline_section::queue_capacity>(
          "pipeline", "queue_capacity", 1, 1 << 24),
      string_setting<&C::identity, &C::identity_section::service>("identity", "service"),
      string_setting<&C::identity, &C::identity_section::env>("identity", "env"),
      string_setting<&C::identity, &C::identity_section::version>("identity", "version"),
      string_setting<&C::pricing, &C::pricing_section::table_file>("pricing", "table_file"),
      string_setting<&C::pricing, &C::pricing_section::override_file>("pricing", "override_file"),
      bool_setting<&C::log, &C::log_section::debug>("log", "debug"),
      string_setting<&C::datadog, &C::datadog_section::dogstatsd_url>("datadog", "dogstatsd_url", check_dogstatsd_url),
      int_setting<&C::datadog, &C::datadog_section::dogstatsd_max_datagram>("datadog", "dogstatsd_max_datagram", 512, 65507),
      int_setting<&C::datadog, &C::datadog_section::dogstatsd_flush_ms>("datadog", "dogstatsd_flush_ms", 1, 60'000),
      bool_setting<&C::datadog, &C::datadog_section::high_cardinality_tags>("datadog", "high_cardinality_tags"),
      bool_setting<&C::datadog, &C::datadog_section::dogstatsd_aggregation>("datadog", "dogstatsd_aggregation"),
      string_setting<&C::datadog, &C::datadog_section::trace_agent_url>("datadog", "trace_agent_url", check_url_or_empty),
      int_setting<&C::datadog, &C::datadog_section::trace_flush_ms>("datadog", "trace_flush_ms", 1, 600'000),
      int_setting<&C::datadog, &C::datadog_section::trace_retries>("datadog", "trace_retries", 0, 20),
      int_setting<&C::datadog, &C::datadog_section::queue_capacity>("datadog", "queue_capacity", 1, 1 << 24),
      string_setting<&C::datadog, &C::datadog_section::site>("datadog", "site"),
      double_setting<&C::samples, &C::samples_section::rate>("samples", "rate", 0.0, 1.0),
      int_setting<&C::samples, &C::samples_section::max_chars>("samples", "max_chars", 16, int64_t(1) << 24),
      bool_setting<&C::samples, &C::samples_section::redact>("samples", "redact"),
      list_setting<&C::samples, &C::samples_section::redact_patterns>("samples", "redact_patterns"),
      string_setting<&C::samples, &C::samples_section::output>("samples", "output"),
      string_setting<&C::samples, &C::samples_section::logs_url>("samples", "logs_url", check_url_or_empty),
      list_setting<&C::prometheus, &C::prometheus_section::labels>("prometheus", "labels"),
      bool_setting<&C::prometheus, &C::prometheus_section::api_key_label>("prometheus", "api_key_label"),
      bool_setting<&C::prometheus, &C::prometheus_section::user_label>("prometheus", "user_label"),
      int_setting<&C::prometheus, &C::prometheus_section::max_series>("prometheus", "max_series", 1, 10'000'000),
      string_setting<&C::otlp, &C::otlp_section::endpoint>("otlp", "endpoint", check_url_or_empty),
      string_setting<&C::otlp, &C::otlp_section::protocol>("otlp", "protocol", one_of({"http/protobuf", "http/json"})),
      secret_setting<&C::otlp, &C::otlp_section::headers>("otlp", "headers"),
      string_setting<&C::otlp, &C::otlp_section::service_name>("otlp", "service_name"),
      string_setting<&C::otlp, &C::otlp_section::resource_attributes>("otlp", "resource_attributes"),
      int_setting<&C::otlp, &C::otlp_section::metric_interval_ms>("otlp", "metric_interval_ms", 100, 86'400'000),
      bool_setting<&C::otlp, &C::otlp_section::capture_content>("otlp", "capture_content"),
      string_setting<&C::otlp, &C::otlp_section::semconv>("otlp", "semconv", one_of({"1.36", "1.37", "1.38", "1.39", "1.40", "1.41", "latest"})),
      int_setting<&C::otlp, &C::otlp_section::queue_capacity>("otlp", "queue_capacity", 1, 1 << 24),
      string_setting<&C::line_protocol, &C::line_protocol_section::url>("line_protocol", "url", check_url_or_empty),
      string_setting<&C::line_protocol, &C::line_protocol_section::flavor>("line_protocol", "flavor", one_of({"influxdb1", "influxdb2", "datakit"})),
      string_setting<&C::line_protocol, &C::line_protocol_section::database>("line_protocol", "database"),
      string_setting<&C::line_protocol, &C::line_protocol_section::org>("line_protocol", "org"),
      string_setting<&C::line_protocol, &C::line_protocol_section::bucket>("line_protocol", "bucket"),
      secret_setting<&C::line_protocol, &C::line_protocol_section::token>("line_protocol", "token"),
      bool_setting<&C::line_protocol, &C::line_protocol_section::gzip>("line_protocol", "gzip"),
      int_setting<&C::line_protocol, &C::line_protocol_section::flush_ms>("line_protocol", "flush_ms", 1, 600'000),
      string_setting<&C::line_protocol, &C::line_protocol_section::measurement>("line_protocol", "measurement"),
      string_setting<&C::line_protocol, &C::line_protocol_section::guance_measurement>("line_protocol", "guance_measurement"),
      int_setting<&C::line_protocol, &C::line_protocol_section::queue_capacity>("line_protocol", "queue_capacity", 1, 1 << 24),
  };
  return all;
}

const setting* find_setting(std::string_view section, std::string_view key) {
  for (const auto& s : settings())
    if (s.section == section && s.key == key) return &s;
  return nullptr;
}

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), ::toupper);
  return s;
}

std::string where(const std::string& file, const toml::node& n) {
  return fmt::format("{}:{}", file, n.source().begin.line);
}

void load_upstreams(config& c, const std::string& file, const toml::table& t) {
  for (const auto& [name, node] : t) {
    std::string n(name.str());
    const auto* tbl = node.as_table();
    if (!tbl) throw config_error(fmt::format("{}: upstreams.{} must be a table", where(file, node), n));
    if (n.empty() || n == "default" || n.find('/') != std::string::npos)
      throw config_error(fmt::format("{}: upstreams.{}: invalid upstream name", where(file, node), n));
    upstream_config u;
    u.name = n;
    for (const auto& [k, v] : *tbl) {
      std::string key(k.str());
      if (key == "url" && v.is_string()) {
        u.url = *v.value<std::string>();
        if (auto why = check_url(u.url); !why.empty())
          throw config_error(fmt::format("{}: upstreams.{}.url {}", where(file, v), n, why));
      } else if (key == "ca_file" && v.is_string()) {
        u.ca_file = *v.value<std::string>();
      } else if (key == "verify" && v.is_boolean()) {
        u.verify = *v.value<bool>();
      } else if (key == "url" || key == "ca_file" || key == "verify") {
        throw config_error(fmt::format("{}: upstreams.{}.{} has the wrong type", where(file, v), n, key));
      } else {
        throw config_error(fmt::format("{}: unknown key upstreams.{}.{} (known: url, ca_file, verify)",
                                       where(file, v), n, key));
      }
    }
    if (u.url.empty())
      throw config_error(fmt::format("{}: upstreams.{} needs a url", where(file, node), n));
    c.named_upstreams.push_back(std::move(u));
  }
}

void load_file(config& c, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw config_error(fmt::format("{}:{}: {}", path, e.source().begin.line, e.description()));
  }
  for (const auto& [sec_key, sec_node] : root) {
    std::string section(sec_key.str());
    const auto* tbl = sec_node.as_table();
    if (!tbl)
      throw config_error(fmt::format("{}: top-level key \"{}\" is not a section", where(path, sec_node), section));
    if (section == "upstreams") {
      load_upstreams(c, path, *tbl);
      continue;
    }
    if (section == "deployments") {  // Azure deployment name -> the model it serves, for pricing
      for (const auto& [k, v] : *tbl) {
        if (!v.is_string())
          throw config_error(fmt::format("{}: deployments.{} must be a model name (a string)", where(path, v), k.str()));
        c.deployments[std::string(k.str())] = *v.value<std::string>();
      }
      continue;
    }
    for (const auto& [k, v] : *tbl) {
      std::string key(k.str());
      const setting* s = find_setting(section, key);
      if (!s) throw config_error(fmt::format("{}: unknown key {}.{}", where(path, v), section, key));
      if (auto why = s->set_toml(c, v); !why.empty())
        throw config_error(fmt::format("{}: {}.{} {}", where(path, v), section, key, why));
      c.origin[section + "." + key] = "file";
    }
  }
}

void load_env(config& c, char** env) {
  if (!env) return;
  std::map<std::string, std::string> vars;
  for (char** e = env; *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [name, value] : vars) {
    if (name.rfind("LLMTAP_", 0) != 0) continue;
    // A variable that names a settings section must name one of its keys (a typo is an error);
    // other LLMTAP_* variables (LLMTAP_CONFIG, LLMTAP_TOKENIZER_DIR...) are not settings.
    const setting* match = nullptr;
    bool section_named = false;
    for (const auto& s : settings()) {
      std::string prefix = "LLMTAP_" + upper(s.section) + "_";
      if (name.rfind(prefix, 0) == 0) section_named = true;
      if (name == prefix + upper(s.key)) match = &s;
    }
    if (!section_named) continue;
    if (!match) throw config_error(fmt::format("environment: unknown variable {}", name));
    if (auto why = match->set_text(c, value); !why.empty())
      throw config_error(fmt::format("environment: {} {}", name, why));
    c.origin[match->section + "." + match->key] = "env";
  }
  // Variables Datadog and OpenTelemetry users already set. An LLMTAP_* variable for the same
  // setting wins; a vendor variable wins over the file.
  auto vendor = [&](const char* var, const char* key, std::string value) {
    if (c.origin[key] == "env") return;
    const setting* s = find_setting(std::string_view(key).substr(0, std::string_view(key).find('.')),
                                    std::string_view(key).substr(std::string_view(key).find('.') + 1));
    if (auto why = s->set_text(c, value); !why.empty())
      throw config_error(fmt::format("environment: {} {}", var, why));
    c.origin[key] = std::string("env (") + var + ")";
  };
  auto get = [&](const char* var) -> const std::string* {
    auto it = vars.find(var);
    return it == vars.end() ? nullptr : &it->second;
  };
  const std::pair<const char*, const char*> direct[] = {
      {"DD_SERVICE", "identity.service"},
      {"DD_ENV", "identity.env"},
      {"DD_VERSION", "identity.version"},
      {"DD_SITE", "datadog.site"},
      {"DD_OPENAI_LOG_PROMPT_COMPLETION_SAMPLE_RATE", "samples.rate"},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "otlp.endpoint"},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "otlp.protocol"},
      {"OTEL_EXPORTER_OTLP_HEADERS", "otlp.headers"},
      {"OTEL_SERVICE_NAME", "otlp.service_name"},
      {"OTEL_RESOURCE_ATTRIBUTES", "otlp.resource_attributes"},
      {"OTEL_METRIC_EXPORT_INTERVAL", "otlp.metric_interval_ms"},
  };
  for (const auto& [var, key] : direct)
    if (const std::string* v = get(var)) vendor(var, key, *v);
  // DogStatsD: DD_DOGSTATSD_URL, else DD_AGENT_HOST with DD_DOGSTATSD_PORT (default 8125).
  if (const std::string* v = get("DD_DOGSTATSD_URL")) {
    vendor("DD_DOGSTATSD_URL", "datadog.dogstatsd_url", *v);
  } else if (const std::string* host = get("DD_AGENT_HOST"); host && !host->empty()) {
    const std::string* port = get("DD_DOGSTATSD_PORT");
    vendor("DD_AGENT_HOST", "datadog.dogstatsd_url", fmt::format("udp://{}:{}", *host, port ? *port : "8125"));
  }
  // APM: DD_TRACE_AGENT_URL, else DD_AGENT_HOST with DD_TRACE_AGENT_PORT (default 8126).
  if (const std::string* v = get("DD_TRACE_AGENT_URL")) {
    vendor("DD_TRACE_AGENT_URL", "datadog.trace_agent_url", *v);
  } else if (const std::string* host = get("DD_AGENT_HOST"); host && !host->empty()) {
    const std::string* port = get("DD_TRACE_AGENT_PORT");
    vendor("DD_AGENT_HOST", "datadog.trace_agent_url", fmt::format("http://{}:{}", *host, port ? *port : "8126"));
  }
}

}  // namespace

std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& what) {
  std::string host;
  std::string port;
  if (!text.empty() && text[0] == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw config_error(fmt::format("{} \"{}\" is not HOST:PORT", what, text));
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) throw config_error(fmt::format("{} \"{}\" is not HOST:PORT", what, text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (host.empty() || port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535)
    throw config_error(fmt::format("{} \"{}\" is not HOST:PORT", what, text));
  return {host, static_cast<uint16_t>(p)};
}

std::string config::resolved_data_dir() const {
  return store.data_dir.empty() ? default_data_dir() : store.data_dir;
}

upstream_config config::default_upstream() const {
  return {"default", upstream.url, upstream.ca_file, upstream.verify};
}

config load_config(const std::string& path, char** env) {
  config c;
  for (const auto& s : settings()) c.origin[s.section + "." + s.key] = "default";
  if (!path.empty()) load_file(c, path);
  load_env(c, env);
  return c;
}

void set_from_flag(config& c, const std::string& dotted_key, const std::string& value) {
  auto dot = dotted_key.find('.');
  const setting* s = dot == std::string::npos
                         ? nullptr
                         : find_setting(dotted_key.substr(0, dot), dotted_key.substr(dot + 1));
  if (!s) throw config_error("unknown setting " + dotted_key);
  if (auto why = s->set_text(c, value); !why.empty())
    throw config_error(fmt::format("flag for {}: {}", dotted_key, why));
  c.origin[dotted_key] = "flag";
}

std::vector<std::pair<std::string, std::string>> describe(const config& c) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& s : settings()) out.emplace_back(s.section + "." + s.key, s.get(c));
  return out;
}

}  // namespace llmtap
