#pragma once
// Blocking HTTP(S) for sink threads, on libcurl. One client per sink thread: the handle keeps
// connections alive between sends. Never used on the proxy's hot path.
#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace llmtap::sinks {

struct http_response {
  long status = 0;     // 0 when no response arrived
  std::string body;    // the first 64 KiB of the response body (error details)
  std::string error;   // transport error (connection refused, timeout, TLS...), empty when a response came
  long retry_after_s = -1;  // Retry-After in seconds when the server sent one
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // Worth another try: no response, or 408/429/502/503/504 (the OTLP and Datadog intake rules).
  bool retryable() const {
    return !error.empty() || status == 408 || status == 429 || status == 502 || status == 503 || status == 504;
  }
  // One line for logs and `info`: "HTTP 503: <body start>" or the transport error.
  std::string describe() const;
};

class http_client {
 public:
  http_client();
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // `headers` are full lines ("Content-Type: application/json").
  http_response post(const std::string& url, const std::vector<std::string>& headers,
                     std::string_view body, std::chrono::milliseconds timeout);
  http_response get(const std::string& url, const std::vector<std::string>& headers,
                    std::chrono::milliseconds timeout);
  // TLS trust for the following requests: an extra CA bundle (PEM), or no verification at all.
  void set_tls(std::string ca_file, bool verify) {
    ca_file_ = std::move(ca_file);
    verify_ = verify;
  }

 private:
  http_response perform(const std::string& url, const std::vector<std::string>& headers,
                        const std::string_view* body, std::chrono::milliseconds timeout);
  void* curl_;  // CURL*, kept out of this header
  std::string ca_file_;
  bool verify_ = true;
};

struct retry_policy {
  int retries = 3;                                        // tries after the first
  std::chrono::milliseconds first_backoff{100};           // doubled each time, with jitter
  std::chrono::milliseconds max_backoff{5'000};
  std::chrono::milliseconds timeout{5'000};               // per try
  bool retry_408 = true;  // OTLP/HTTP retries only 429/502/503/504 (and lost connections)
};

// POST with retries on retryable() answers, exponential backoff with full jitter, honouring
// Retry-After. Gives up early (returning the last answer) when `give_up_at` would be passed.
http_response post_with_retry(http_client& client, const std::string& url,
                              const std::vector<std::string>& headers, std::string_view body,
                              const retry_policy& policy,
                              std::chrono::steady_clock::time_point give_up_at =
                                  std::chrono::steady_clock::time_point::max(),
                              int* tries_made = nullptr);

}  // namespace llmtap::sinks
