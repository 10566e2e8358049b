#include <csignal>
#include <cstdio>
#include <fmt/format.h>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/serve_options.h"

namespace llmtap::cli {

namespace {
int serve(const serve_flags& f) {
  config c = load_serve_config(f);
  // Block the stop signals in every thread; this one waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reload the price table
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  app a(c);
  a.start();
  auto [host, port] = parse_host_port(c.proxy.listen, "proxy.listen");
  std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::printf("llmtap listening on http://%s:%u -> %s\n", shown.c_str(), a.proxy_port(), c.upstream.url.c_str());
  for (const auto& u : c.named_upstreams)
    std::printf("llmtap upstream %s at http://%s:%u/u/%s/ -> %s\n", u.name.c_str(), shown.c_str(), a.proxy_port(),
                u.name.c_str(), u.url.c_str());
  std::printf("llmtap admin on http://%s (/healthz /readyz /metrics)\n",
              c.proxy.admin_listen.substr(0, c.proxy.admin_listen.rfind(':') + 1).append(std::to_string(a.admin_port())).c_str());
  std::printf("llmtap store %s\n", a.store_path().c_str());
  std::printf("llmtap prices %s\n", a.pricing_status().c_str());
  for (const auto& t : a.sink_targets()) std::printf("llmtap exporter %s\n", t.c_str());
  std::printf("point your client at it: OPENAI_BASE_URL=http://%s:%u/v1\n", shown.c_str(), a.proxy_port());
  std::fflush(stdout);

  int sig = 0;
  while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
    std::string msg;
    bool ok = a.reload_pricing(&msg);
    std::fprintf(stderr, "llmtap: SIGHUP: price table %s: %s\n", ok ? "reloaded" : "not reloaded", msg.c_str());
  }
  std::fprintf(stderr, "llmtap: %s received, finishing in-flight calls and draining queues\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  a.stop();
  std::fprintf(stderr, "llmtap: stopped: %s\n", a.drop_report().c_str());
  return 0;
}
}  // namespace

void register_serve(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "serve",
      "Run the capture proxy: every call to the upstream through it is measured and stored.\n"
      "Point an OpenAI SDK at it with OPENAI_BASE_URL=http://127.0.0.1:8787/v1.\n"
      "Settings: flags > LLMTAP_<SECTION>_<KEY> environment > llmtap.toml > defaults.");
  auto f = std::make_shared<serve_flags>();
  add_serve_flags(*cmd, *f);
  cmd->callback([f, &exit_code] { run_command("serve", exit_code, [&] { return serve(*f); }); });
}

}  // namespace llmtap::cli
