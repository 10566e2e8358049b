#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the root app.
// A command's callback stores its process exit code in `exit_code`; errors go to stderr.
#include <CLI/CLI.hpp>

namespace llmtap::cli {

void register_serve(CLI::App& root, int& exit_code);
void register_mock(CLI::App& root, int& exit_code);
void register_report(CLI::App& root, int& exit_code);
void register_tokens(CLI::App& root, int& exit_code);

}  // namespace llmtap::cli
