#pragma once
// The composition root of `llmtap serve`: builds every component from the config, owns their
// threads, and starts and stops them in order. Stop order drains every queue: proxy (finishes
// in-flight calls) -> pipeline (processes what is queued) -> store (writes what is queued).
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"

namespace llmtap {

class app {
 public:
  explicit app(config cfg);  // binds the listening sockets and opens the store; throws on failure
  ~app();
  void start();
  void stop();
  uint16_t proxy_port() const;
  uint16_t admin_port() const;
  std::string store_path() const;
  std::string drop_report() const;  // what was dropped, for the shutdown message
  std::string pricing_status() const;
  // "name -> target" of each exporter built from the config (none when nothing is configured).
  std::vector<std::string> sink_targets() const;  // where prices come from, or why calls are unpriced
  // Re-reads the price table and the override file; the old prices stay on failure.
  bool reload_pricing(std::string* message);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

// The secret that keys API-key hashes: <data_dir>/secret, created (0600) on first use so hashes
// stay stable across restarts and differ between installations.
std::string load_or_create_secret(const std::string& data_dir);

}  // namespace llmtap
