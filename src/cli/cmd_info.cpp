// `llmtap info [serve's flags]`: what llmtap would run with, checked live. Prints the version,
// every setting with where it came from, each upstream and each configured sink tried for real,
// the store, the price table and the tokenizer. Exits 1 when an upstream or a sink fails, so a
// deployment script can gate on it. Binds no port and writes no call.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <string>

#include "app/sinks_from_config.h"
#include "cli/commands.h"
#include "cli/serve_options.h"
#include "core/debug_log.h"
#include "core/paths.h"
#include "pricing/pricing.h"
#include "sinks/common/http_client.h"
#include "tokenizer/models.h"

namespace llmtap::cli {
namespace {

struct info_flags {
  serve_flags serve;
};

std::string human_bytes(uintmax_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.1f} KiB", n / 1024.0);
  return fmt::format("{:.1f} MiB", n / (1024.0 * 1024.0));
}

// An upstream is reachable when it answers HTTP at all; info sends no API key, so OpenAI's
// answer is normally 401, which proves DNS, TCP, TLS and the certificate are fine.
bool check_upstream(const upstream_config& u, std::string& line) {
  sinks::http_client http;
  http.set_tls(u.ca_file, u.verify);
  std::string base = u.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + (base.size() >= 3 && base.compare(base.size() - 3, 3, "/v1") == 0 ? "" : "/v1") + "/models";
  auto t0 = std::chrono::steady_clock::now();
  debug_line(fmt::format("info: GET {} (no credentials)", url));
  sinks::http_response r = http.get(url, {}, std::chrono::seconds(5));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  if (!r.error.empty()) {
    line = fmt::format("FAILED: {}", r.error);
    return false;
  }
  line = fmt::format("ok: HTTP {} from GET /v1/models in {} ms{}", r.status, ms,
                     r.status == 401 ? " (reachable; info sends no key)" : "");
  return true;
}

int info(const info_flags& f) {
  config c = load_serve_config(f.serve);
  debug_enabled().store(c.log.debug);
  bool all_ok = true;
  std::string out = fmt::format("llmtap {}\n\nsettings (value, then where it came from):\n", LLMTAP_VERSION);
  size_t width = 0;
  auto settings = describe(c);
  for (const auto& [k, v] : settings) width = std::max(width, k.size());
  for (const auto& [k, v] : settings) {
    auto it = c.origin.find(k);
    out += fmt::format("  {:<{}} = {:<28} {}\n", k, width, v.empty() ? "\"\"" : v, it == c.origin.end() ? "default" : it->second);
  }
  for (const auto& [d, m] : c.deployments) out += fmt::format("  deployments.{} = {} (file)\n", d, m);

  out += "\nupstreams:\n";
  std::vector<upstream_config> ups = {c.default_upstream()};
  ups.insert(ups.end(), c.named_upstreams.begin(), c.named_upstreams.end());
  for (const auto& u : ups) {
    std::string line;
    all_ok &= check_upstream(u, line);
    out += fmt::format("  {:<10} {}  {}\n", u.name, u.url, line);
  }

  out += "\nsinks:\n  store (sqlite)  always on\n";
  auto sinks = sinks_from_config(c);
  bool agent_configured = false, agent_ok = false;
  std::string agent_detail;
  for (auto& s : sinks) {
    sinks::check_result r = s->check();
    all_ok &= r.ok;
    out += fmt::format("  {:<14} {}  {}: {}\n", s->name(), s->target(), r.ok ? "ok" : "FAILED", r.detail);
    if (std::string(s->name()) == "datadog_apm") {
      agent_configured = true;
      agent_ok = r.ok;
      agent_detail = r.detail;
    }
  }
  // /metrics is always served; anything else is configured.
  if (sinks.size() <= 1) out += "  (no other exporter configured: see docs/config.md, [datadog] [otlp] [line_protocol] [samples])\n";
  if (agent_configured)  // the line ddtrace-run --info prints, for Datadog users' muscle memory
    out += agent_ok ? "  Agent error: None\n" : fmt::format("  Agent error: {}\n", agent_detail);

  const std::string db = store_path(c.resolved_data_dir());
  std::error_code ec;
  if (std::filesystem::exists(db, ec)) {
    uintmax_t total = 0;
    for (const char* suffix : {"", "-wal", "-shm"})
      if (auto n = std::filesystem::file_size(db + suffix, ec); !ec) total += n;
    out += fmt::format("\nstore: {} ({})\n", db, human_bytes(total));
  } else {
    out += fmt::format("\nstore: {} (not created yet: serve creates it)\n", db);
  }

  auto prices = pricing::pricing::load({c.pricing.table_file, c.pricing.override_file, c.deployments});
  if (prices.ok()) {
    auto t = prices.value->snapshot();
    out += fmt::format("prices: {} {} (published {}), {} models{}\n", t->source.package, t->source.version,
                       t->source.published, t->models.size(),
                       t->source.override_path.empty() ? "" : ", overrides from " + t->source.override_path);
  } else {
    out += fmt::format("prices: FAILED: {}\n", prices.error);
    all_ok &= c.pricing.table_file.empty() && c.pricing.override_file.empty();  // only a named file must load
  }

  out += fmt::format("tokenizer ({}):", tokenizer::default_rank_dir().string());
  for (const char* name : {"o200k_base", "cl100k_base", "p50k_base", "r50k_base"}) {
    std::string err;
    out += tokenizer::get_encoding(name, &err) ? fmt::format(" {} ok", name) : fmt::format(" {} FAILED ({})", name, err);
  }
  out += fmt::format("\n\n{}\n", all_ok ? "all checks passed" : "some checks FAILED (see above)");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return all_ok ? 0 : 1;
}

}  // namespace

void register_info(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "info",
      "Show what llmtap would run with and check it live: version, each setting and where it came\n"
      "from (flag, env, file, default), each upstream and exporter tried for real, the store, the\n"
      "price table and the tokenizer. Exits 1 when an upstream or an exporter fails.");
  auto f = std::make_shared<info_flags>();
  add_serve_flags(*cmd, f->serve);
  cmd->callback([f, &exit_code] { run_command("info", exit_code, [&] { return info(*f); }); });
}

}  // namespace llmtap::cli
