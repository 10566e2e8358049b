#pragma once
// A connection's read buffer. Unlike std::string, growing it does not write the new bytes:
// std::string::resize zero-fills, which made all 32 KB of a connection's two read buffers
// resident even when the connection only ever reads a few hundred bytes at a time (an SSE stream),
// 32 MB of zeros with 1000 open streams. Here a page becomes resident only when a read fills it.
// Bytes past what was read are never looked at, so leaving them uninitialized is safe.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>

namespace llmtap::proxy {

class io_buffer {
 public:
  char* data() { return p_.get(); }
  const char* data() const { return p_.get(); }
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }

  // Makes the buffer `n` bytes long. The first `keep` bytes keep their contents (as far as both
  // sizes reach); the rest is uninitialized.
  void resize(size_t n, size_t keep) {
    if (n == n_) return;
    auto q = std::make_unique_for_overwrite<char[]>(n);
    if (size_t k = std::min({keep, n, n_}); k > 0) std::memcpy(q.get(), p_.get(), k);
    p_ = std::move(q);
    n_ = n;
  }

 private:
  std::unique_ptr<char[]> p_;
  size_t n_ = 0;
};

}  // namespace llmtap::proxy
