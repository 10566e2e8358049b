#include "cli/commands.h"

namespace llmtap::cli {
// placeholder until the report command lands
void register_report(CLI::App& root, int& exit_code) {
  auto* sub = root.add_subcommand("report", "(not yet implemented)");
  sub->callback([&exit_code] { exit_code = 2; });
}
}  // namespace llmtap::cli
