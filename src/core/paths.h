#pragma once
#include <cstdlib>
#include <string>

namespace llmtap {

// $XDG_DATA_HOME/llmtap, else $HOME/.local/share/llmtap, else ./llmtap-data (no home at all).
inline std::string default_data_dir() {
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/llmtap";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/llmtap";
  return "llmtap-data";
}

// The SQLite store's file inside a data dir.
inline std::string store_path(const std::string& data_dir) { return data_dir + "/llmtap.db"; }

}  // namespace llmtap
