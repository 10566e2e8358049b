#pragma once
// A real HTTP/1.1 server on 127.0.0.1 for sink tests: one request per connection
// (Connection: close), each answered by the test's `reply` function; every request is kept.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace llmtap::test {

struct http_request {
  std::string method, target, head, body;  // head: request line and header lines, each ending \r\n
  bool has_header(const std::string& line) const { return head.find("\r\n" + line + "\r\n") != std::string::npos; }
};

struct http_answer {
  int status = 204;
  std::string headers;  // extra header lines, each ending in \r\n
  std::string body;
};

class http_server {
 public:
  explicit http_server(std::function<http_answer(const http_request&)> reply);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;
  std::vector<http_request> requests();
  std::string url;  // http://127.0.0.1:<port>

 private:
  void serve(int c);
  std::function<http_answer(const http_request&)> reply_;
  int fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<http_request> seen_;
};

}  // namespace llmtap::test
