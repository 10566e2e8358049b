#pragma once
// Incremental reader of one HTTP/1.1 response for bench_client: the head (status, framing,
// keep-alive), the de-chunked body, and the SSE events in it. Enough for the loopback servers the
// benchmark talks to; not a general HTTP client (no 1xx, no trailers, no TLS).
#include <cstdlib>
#include <string>
#include <string_view>

namespace bench {

inline bool iequal_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

class response_reader {
 public:
  // on_event(bool has_content) once per complete SSE event (data lines up to a blank line);
  // has_content: the event's JSON has a non-empty "content" string (a token of the answer).
  template <class F>
  void feed(std::string_view bytes, F&& on_event) {
    if (state_ == st::head) {
      head_.append(bytes);
      size_t e = head_.find("\r\n\r\n");
      if (e == std::string::npos) {
        if (head_.size() > 65536) state_ = st::failed;
        return;
      }
      std::string rest = head_.substr(e + 4);
      parse_head(std::string_view(head_).substr(0, e));
      head_.clear();
      if (state_ == st::failed) return;
      body(rest, on_event);
    } else {
      body(bytes, on_event);
    }
  }
  bool done() const { return state_ == st::done; }
  bool failed() const { return state_ == st::failed; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  int events() const { return events_; }

 private:
  enum class st { head, length, chunk_size, chunk_data, chunk_crlf, trailer, until_close, done, failed };

  void parse_head(std::string_view h) {
    if (h.size() < 12 || h.substr(0, 5) != "HTTP/") { state_ = st::failed; return; }
    status_ = std::atoi(std::string(h.substr(9, 3)).c_str());
    keep_alive_ = h.substr(5, 3) == "1.1";
    bool chunked = false;
    long long length = -1;
    size_t pos = h.find("\r\n");
    while (pos != std::string_view::npos) {
      size_t next = h.find("\r\n", pos + 2);
      std::string_view line = h.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
      if (iequal_prefix(line, "content-length:")) length = std::atoll(std::string(line.substr(15)).c_str());
      else if (iequal_prefix(line, "transfer-encoding:") && line.find("chunked") != std::string_view::npos) chunked = true;
      else if (iequal_prefix(line, "connection:") && line.find("close") != std::string_view::npos) keep_alive_ = false;
      pos = next;
    }
    if (chunked) state_ = st::chunk_size;
    else if (length >= 0) { left_ = static_cast<size_t>(length); state_ = left_ ? st::length : st::done; }
    else { state_ = st::until_close; keep_alive_ = false; }
  }

  template <class F>
  void body(std::string_view b, F& on_event) {
    while (!b.empty() && state_ != st::done && state_ != st::failed) {
      switch (state_) {
        case st::length:
        case st::chunk_data: {
          size_t n = std::min(left_, b.size());
          sse(b.substr(0, n), on_event);
          b.remove_prefix(n);
          left_ -= n;
          if (left_ == 0) state_ = state_ == st::length ? st::done : st::chunk_crlf;
          break;
        }
        case st::until_close:
          sse(b, on_event);
          b = {};
          break;
        case st::chunk_size:
        case st::chunk_crlf:
        case st::trailer: {
          size_t e = b.find('\n');
          line_.append(b.substr(0, e));
          if (e == std::string_view::npos) return;
          b.remove_prefix(e + 1);
          if (state_ == st::chunk_crlf) { state_ = st::chunk_size; line_.clear(); break; }
          if (state_ == st::trailer) {
            if (line_.empty() || line_ == "\r") state_ = st::done;
            line_.clear();
            break;
          }
          left_ = std::strtoull(line_.c_str(), nullptr, 16);
          line_.clear();
          state_ = left_ == 0 ? st::trailer : st::chunk_data;
          break;
        }
        default:
          return;
      }
    }
  }

  template <class F>
  void sse(std::string_view b, F& on_event) {
    for (char c : b) {
      event_ += c;
      if (c == '\n' && event_.size() >= 2 && (event_.ends_with("\n\n") || event_.ends_with("\n\r\n"))) {
        bool content = false;
        for (size_t p = event_.find("\"content\":\""); p != std::string::npos; p = event_.find("\"content\":\"", p + 1)) {
          if (p + 11 < event_.size() && event_[p + 11] != '"') { content = true; break; }
        }
        if (event_.find("data:") != std::string::npos) {
          ++events_;
          on_event(content);
        }
        event_.clear();
      }
    }
    if (event_.size() > (1u << 20)) event_.clear();
  }

  st state_ = st::head;
  std::string head_, line_, event_;
  size_t left_ = 0;
  int status_ = 0, events_ = 0;
  bool keep_alive_ = true;
};

}  // namespace bench
