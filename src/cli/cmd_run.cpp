// `llmtap run [serve's flags] -- CMD...`: the proxy in-process on a free loopback port, and CMD
// started with OPENAI_BASE_URL pointing at it. llmtap forwards the signals it is sent to CMD,
// exits with CMD's exit code, and prints a summary of CMD's calls on stderr.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fmt/format.h>
#include <map>
#include <string>
#include <vector>

#include "app/app.h"
#include "cli/commands.h"
#include "cli/serve_options.h"
#include "store/query.h"
#include "store/report_format.h"

extern char** environ;

namespace llmtap::cli {
namespace {

struct run_flags {
  serve_flags serve;
  std::vector<std::string> command;
  bool no_summary = false;
};

// Signals llmtap passes on to the child. SIGCHLD is waited for, not forwarded.
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

bool is_azure(const std::string& url) {
  return url.find(".openai.azure.com") != std::string::npos ||
         url.find(".cognitiveservices.azure.com") != std::string::npos;
}

// The child's environment: ours, with the OpenAI SDKs' base-URL variables pointing at the proxy.
std::vector<std::string> child_environment(const config& c, uint16_t port) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  const std::string base = fmt::format("http://127.0.0.1:{}", port);
  vars["OPENAI_BASE_URL"] = base + "/v1";  // the v1 SDKs (Python, Node, Go, .NET, Java)
  vars["OPENAI_API_BASE"] = base + "/v1";  // the Python SDK before 1.0, LangChain
  if (is_azure(c.upstream.url)) vars["AZURE_OPENAI_ENDPOINT"] = base;  // the SDK appends /openai/...
  std::vector<std::string> out;
  for (const auto& [k, v] : vars) out.push_back(k + "=" + v);
  return out;
}

void print_summary(const app& a, int64_t since_ms, double seconds) {
  store::report_query q;
  q.since_unix_ms = since_ms;
  q.by = store::report_group::model;
  store::report_rows rows = store::query_report(a.store_path(), q);
  std::string out = fmt::format("llmtap run: {} calls in {:.1f}s, recorded in {}\n", rows.totals.requests,
                                seconds, a.store_path());
  if (rows.totals.requests > 0) out += store::format_report_table(rows, q.by);
  std::fwrite(out.data(), 1, out.size(), stderr);
}

int run(const run_flags& f) {
  if (f.command.empty()) throw config_error("no command given: llmtap run [flags] -- CMD [ARGS...]");
  config c = load_serve_config(f.serve);
  // A free loopback port unless one was asked for: several `run`s may go on at once.
  if (f.serve.listen.empty()) set_from_flag(c, "proxy.listen", "127.0.0.1:0");
  if (f.serve.admin_listen.empty()) set_from_flag(c, "proxy.admin_listen", "127.0.0.1:0");

  // Block the forwarded signals and SIGCHLD in every thread (the app's threads inherit the
  // mask); this thread takes them with sigwaitinfo. The child gets a clean mask.
  sigset_t waited;
  sigemptyset(&waited);
  for (int s : kForwarded) sigaddset(&waited, s);
  sigaddset(&waited, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &waited, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  app a(c);
  a.start();
  const auto started = std::chrono::system_clock::now();
  const int64_t started_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(started.time_since_epoch()).count();

  std::vector<std::string> env = child_environment(c, a.proxy_port());
  std::vector<char*> envp, argv;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = f.command;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);  // we ignore SIGPIPE; the child must not inherit that
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t child = 0;
  int rc = posix_spawnp(&child, argv[0], nullptr, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    a.stop();
    std::fprintf(stderr, "llmtap run: cannot start %s: %s\n", argv[0], std::strerror(rc));
    return rc == ENOENT ? 127 : 126;  // as shells report a missing or unrunnable command
  }
  if (c.log.debug)
    std::fprintf(stderr, "llmtap debug: run: started %s (pid %d) with OPENAI_BASE_URL=http://127.0.0.1:%u/v1\n",
                 argv[0], child, a.proxy_port());

  int status = 0;
  for (;;) {
    siginfo_t info{};
    int sig = sigwaitinfo(&waited, &info);
    if (sig < 0) continue;  // EINTR
    if (sig == SIGCHLD) {
      pid_t done = waitpid(child, &status, WNOHANG);
      if (done == child) break;
      continue;
    }
    // A signal from the terminal (Ctrl-C) reaches the whole foreground group, the child too:
    // only signals sent to llmtap itself (kill, a supervisor) are passed on.
    if (info.si_code == SI_USER || info.si_code == SI_QUEUE || info.si_code == SI_TKILL) kill(child, sig);
  }
  a.stop();
  const double seconds = std::chrono::duration<double>(std::chrono::system_clock::now() - started).count();
  if (!f.no_summary) print_summary(a, started_ms, seconds);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 1;
}

}  // namespace

void register_run(CLI::App& root, int& exit_code) {
  auto* cmd = root.add_subcommand(
      "run",
      "Run a program with llmtap in front of its OpenAI calls: llmtap run [flags] -- CMD [ARGS...]\n"
      "Starts the proxy on a free loopback port, starts CMD with OPENAI_BASE_URL (and OPENAI_API_BASE;\n"
      "AZURE_OPENAI_ENDPOINT for an Azure upstream) pointing at it, forwards signals sent to llmtap,\n"
      "records every call in the store, prints a summary on stderr and exits with CMD's exit code.");
  auto f = std::make_shared<run_flags>();
  add_serve_flags(*cmd, f->serve);
  cmd->add_flag("--no-summary", f->no_summary, "do not print the summary of calls at exit");
  cmd->add_option("command", f->command, "the program to run and its arguments (after --)")->required();
  cmd->callback([f, &exit_code] { run_command("run", exit_code, [&] { return run(*f); }); });
}

}  // namespace llmtap::cli
