#include "cli/commands.h"

namespace llmtap::cli {
// placeholder until the mock command lands
void register_mock(CLI::App& root, int& exit_code) {
  auto* sub = root.add_subcommand("mock", "(not yet implemented)");
  sub->callback([&exit_code] { exit_code = 2; });
}
}  // namespace llmtap::cli
