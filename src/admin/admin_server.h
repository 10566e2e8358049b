#pragma once
// The admin port: health and readiness for orchestrators, and llmtap's own counters in the
// Prometheus text format. Runs on its own thread and io_context so nothing here can slow the
// proxy workers. (The dashboard and JSON API arrive in later work.)
#include <functional>
#include <memory>
#include <string>

namespace llmtap::admin {

struct admin_handlers {
  std::function<std::string()> metrics;  // text exposition, rendered at scrape time
  std::function<bool()> ready;           // false while starting or draining
};

class admin_server {
 public:
  admin_server(const std::string& listen, admin_handlers h);  // binds; throws on failure
  ~admin_server();
  uint16_t port() const;
  void start();
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace llmtap::admin
