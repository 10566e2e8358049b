#pragma once
// serve's flags, shared by every command that runs or inspects a proxy (serve, later run, info).
#include <CLI/CLI.hpp>
#include <string>

#include "config/config.h"

namespace llmtap::cli {

struct serve_flags {
  std::string config_file, listen, admin_listen, upstream, data_dir;
  int64_t workers = -1;
  bool debug = false;
};

void add_serve_flags(CLI::App& cmd, serve_flags& f);

// Loads llmtap.toml (--config, else $LLMTAP_CONFIG, else ./llmtap.toml when present), then the
// environment, then the flags. Throws config_error.
config load_serve_config(const serve_flags& f);

}  // namespace llmtap::cli
