#include "cli/commands.h"

namespace llmtap::cli {
// placeholder until the serve command lands
void register_serve(CLI::App& root, int& exit_code) {
  auto* sub = root.add_subcommand("serve", "(not yet implemented)");
  sub->callback([&exit_code] { exit_code = 2; });
}
}  // namespace llmtap::cli
