#pragma once
// Each subcommand lives in its own cmd_<name>.cpp and registers itself on the root app.
// A command's callback stores its process exit code in `exit_code`; errors go to stderr.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>

namespace llmtap::cli {

// Runs a command body: its return value is the exit code; an exception becomes
// "llmtap <name>: <message>" on stderr and exit code 1.
inline void run_command(const char* name, int& exit_code, const std::function<int()>& body) {
  try {
    exit_code = body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "llmtap %s: %s\n", name, e.what());
    exit_code = 1;
  }
}

void register_serve(CLI::App& root, int& exit_code);
void register_mock(CLI::App& root, int& exit_code);
void register_report(CLI::App& root, int& exit_code);
void register_tokens(CLI::App& root, int& exit_code);
void register_run(CLI::App& root, int& exit_code);
void register_info(CLI::App& root, int& exit_code);

}  // namespace llmtap::cli
