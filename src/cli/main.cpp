#include <cstdio>
#include <exception>

#include "cli/commands.h"
#include "core/debug_log.h"

int main(int argc, char** argv) {
  CLI::App app{
      "llmtap: see what every OpenAI API call costs and how it behaves.\n"
      "A transparent proxy: point OPENAI_BASE_URL at it and every call is measured and stored.",
      "llmtap"};
  app.set_version_flag("--version", std::string("llmtap ") + LLMTAP_VERSION);
  app.require_subcommand(1);
  // `llmtap --debug <command>` works for every command, like `<command> --debug` for serve, run and info.
  app.add_flag_callback("--debug", [] { llmtap::debug_enabled().store(true); },
                        "log each payload sent and each drop with its reason, on stderr (never keys or unsampled text)");
  app.fallthrough(false);
  int exit_code = 0;
  llmtap::cli::register_serve(app, exit_code);
  llmtap::cli::register_mock(app, exit_code);
  llmtap::cli::register_report(app, exit_code);
  llmtap::cli::register_tokens(app, exit_code);
  llmtap::cli::register_run(app, exit_code);
  llmtap::cli::register_info(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmtap: %s\n", e.what());
    return 1;
  }
  return exit_code;
}
