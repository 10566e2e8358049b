#pragma once
// In-process OpenAI mock server. Tests and benchmarks construct one, read port(), run() it on a
// thread of their choice and stop() it from any thread. The `llmtap mock` command is a thin CLI
// wrapper around the same class, so what the tests check is what users get.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llmtap::mock {

// --fail STATUS:FRACTION: every call is counted; a rule fires on exactly `fraction` of calls,
// spread evenly and deterministically (so a test or a benchmark sees the same sequence every run).
struct fail_rule {
  unsigned status = 500;
  double fraction = 0.0;
};

struct mock_options {
  std::string host = "127.0.0.1";
  uint16_t port = 8789;  // 0 = let the kernel choose; read it back with mock_server::port()
  unsigned threads = 1;
  int latency_ms = 0;      // default delay before the answer (header x-mock-latency-ms overrides)
  int chunk_delay_ms = 0;  // default delay between stream chunks (x-mock-chunk-delay-ms overrides)
  std::vector<fail_rule> fail;
  std::string tls_cert_file;  // both set: serve HTTPS
  std::string tls_key_file;
  // Rate-limit buckets, refilled continuously over `rate_window` like OpenAI's. Lower them to see
  // the budgets (and a dashboard's headroom) move under light traffic.
  uint64_t requests_per_window = 10000;
  uint64_t tokens_per_window = 2000000;
  std::chrono::milliseconds rate_window{60000};
  unsigned embedding_dimensions = 8;         // when the request has no `dimensions`
  std::size_t body_limit = 8 * 1024 * 1024;  // larger bodies get 413
  int retry_after_s = 1;                     // sent with every 429
  bool handle_signals = false;               // SIGINT/SIGTERM call stop() (the CLI sets it)
};

struct mock_state;

class mock_server {
 public:
  // Binds the listening socket immediately (throws std::runtime_error on failure), so port() is
  // valid as soon as the constructor returns, before run().
  explicit mock_server(mock_options opts);
  ~mock_server();
  mock_server(const mock_server&) = delete;
  mock_server& operator=(const mock_server&) = delete;

  uint16_t port() const;
  bool tls() const;
  std::string url() const;  // "http://127.0.0.1:PORT" (https with TLS)

  // Serves until stop(); uses opts.threads threads including the caller's.
  void run();
  // Thread-safe and idempotent; run() returns soon after.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace llmtap::mock
