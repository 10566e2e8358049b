#include "cli/serve_options.h"

#include "core/debug_log.h"

#include <cstdlib>
#include <filesystem>

extern char** environ;

namespace llmtap::cli {

void add_serve_flags(CLI::App& cmd, serve_flags& f) {
  cmd.add_option("--config", f.config_file,
                 "llmtap.toml to read (default: $LLMTAP_CONFIG, else ./llmtap.toml if present)");
  cmd.add_option("--listen", f.listen, "proxy address HOST:PORT (default 127.0.0.1:8787; port 0 = any free port)");
  cmd.add_option("--admin-listen", f.admin_listen, "admin address for /healthz /readyz /metrics (default 127.0.0.1:8788)");
  cmd.add_option("--upstream", f.upstream, "default upstream URL (default https://api.openai.com)");
  cmd.add_option("--data-dir", f.data_dir, "where the store lives (default $XDG_DATA_HOME/llmtap or ~/.local/share/llmtap)");
  cmd.add_option("--workers", f.workers, "proxy worker threads (default min(cores, 4))");
  cmd.add_flag("--debug", f.debug, "log what is sent where and why something is dropped");
}

config load_serve_config(const serve_flags& f) {
  std::string file = f.config_file;
  if (file.empty()) {
    if (const char* e = std::getenv("LLMTAP_CONFIG"); e && *e) file = e;
    else if (std::filesystem::exists("llmtap.toml")) file = "llmtap.toml";
  } else if (!std::filesystem::exists(file)) {
    throw config_error("config file " + file + " does not exist");
  }
  config c = load_config(file, environ);
  if (!f.listen.empty()) set_from_flag(c, "proxy.listen", f.listen);
  if (!f.admin_listen.empty()) set_from_flag(c, "proxy.admin_listen", f.admin_listen);
  if (!f.upstream.empty()) set_from_flag(c, "upstream.url", f.upstream);
  if (!f.data_dir.empty()) set_from_flag(c, "store.data_dir", f.data_dir);
  if (f.workers >= 0) set_from_flag(c, "proxy.workers", std::to_string(f.workers));
  if (f.debug || debug_enabled()) set_from_flag(c, "log.debug", "true");
  return c;
}

}  // namespace llmtap::cli
