#pragma once
// Test helpers: an in-process mock on an ephemeral port, and a small synchronous Beast client that
// keeps its connection open so keep-alive and mid-stream disconnects can be observed.
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "mock/mock_server.h"

namespace llmtap::mock::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

class running_mock {
 public:
  explicit running_mock(mock_options o = {}) {
    o.host = "127.0.0.1";
    o.port = 0;
    server_ = std::make_unique<mock_server>(std::move(o));
    thread_ = std::thread([this] { server_->run(); });
  }
  ~running_mock() {
    server_->stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<mock_server> server_;
  std::thread thread_;
};

struct result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  beast::error_code ec;  // set when the response was cut (e.g. disconnect-after)
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& k) const {
    auto it = headers.find(k);
    return it == headers.end() ? std::string() : it->second;
  }
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class client {
 public:
  explicit client(uint16_t port) : stream_(ioc_) {
    stream_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  result request(http::verb verb, const std::string& target, const std::string& body = {},
                 const header_list& headers = {{"authorization", "Bearer sk-test"}}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers) req.set(k, v);
    if (verb == http::verb::post) {
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
    }
    stream_.expires_after(std::chrono::seconds(10));
    result r;
    http::write(stream_, req, r.ec);
    if (r.ec) return r;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream_, buffer_, parser, r.ec);
    // Keep what arrived even when the body was cut short.
    if (parser.is_header_done()) {
      const auto& res = parser.get();
      r.status = res.result_int();
      for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = std::string(f.value());
      }
      r.body = res.body();
    }
    return r;
  }

  result post(const std::string& target, const std::string& body,
              const header_list& headers = {{"authorization", "Bearer sk-test"}}) {
    return request(http::verb::post, target, body, headers);
  }

  // True when the server has closed the connection (a read sees EOF or reset).
  bool closed_by_peer() {
    stream_.expires_after(std::chrono::seconds(5));
    char c;
    beast::error_code ec;
    stream_.socket().read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  beast::tcp_stream& stream() { return stream_; }

 private:
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct sse_event {
  std::string event;  // empty when the frame had no `event:` line
  std::string data;
};

inline std::vector<sse_event> parse_sse(const std::string& body) {
  std::vector<sse_event> out;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string::npos) end = body.size();
    std::string frame = body.substr(pos, end - pos);
    pos = end + 2;
    sse_event e;
    std::size_t lp = 0;
    while (lp < frame.size()) {
      auto le = frame.find('\n', lp);
      if (le == std::string::npos) le = frame.size();
      std::string line = frame.substr(lp, le - lp);
      lp = le + 1;
      if (line.rfind("event: ", 0) == 0) e.event = line.substr(7);
      if (line.rfind("data: ", 0) == 0) e.data += line.substr(6);
    }
    if (!e.event.empty() || !e.data.empty()) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace llmtap::mock::testing
