#include "http_test_server.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace llmtap::test {

http_server::http_server(std::function<http_answer(const http_request&)> reply) : reply_(std::move(reply)) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(fd_, 16);
  socklen_t len = sizeof a;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
  url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  thread_ = std::thread([this] {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      serve(c);
      ::close(c);
    }
  });
}

http_server::~http_server() {
  stop_ = true;
  thread_.join();
  ::close(fd_);
}

std::vector<http_request> http_server::requests() {
  std::lock_guard l(mu_);
  return seen_;
}

void http_server::serve(int c) {
  std::string in;
  char buf[65536];
  size_t end;
  while ((end = in.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    in.append(buf, static_cast<size_t>(n));
  }
  http_request r;
  r.head = in.substr(0, end + 2);
  r.method = r.head.substr(0, r.head.find(' '));
  r.target = r.head.substr(r.method.size() + 1, r.head.find(' ', r.method.size() + 1) - r.method.size() - 1);
  size_t length = 0;
  if (auto p = r.head.find("Content-Length: "); p != std::string::npos) length = std::stoul(r.head.substr(p + 16));
  r.body = in.substr(end + 4);
  while (r.body.size() < length) {
    ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    r.body.append(buf, static_cast<size_t>(n));
  }
  http_answer a = reply_(r);
  {
    std::lock_guard l(mu_);
    seen_.push_back(r);
  }
  std::string out = "HTTP/1.1 " + std::to_string(a.status) + " X\r\n" + a.headers +
                    "Content-Length: " + std::to_string(a.body.size()) + "\r\nConnection: close\r\n\r\n" + a.body;
  ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
}

}  // namespace llmtap::test
