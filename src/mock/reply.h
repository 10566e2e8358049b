#pragma once
// What a route decided to answer, as plain data: the session turns it into bytes and timing.
// Keeping routes free of I/O makes every answer testable without a socket.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmtap::mock {

struct reply {
  unsigned status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // on top of the common set
  std::string body;                 // JSON body when !stream (sent with Content-Length)
  bool stream = false;              // text/event-stream, chunked
  std::vector<std::string> events;  // complete SSE frames ("data: ...\n\n"), one HTTP chunk each
  int latency_ms = 0;               // before the status line
  int chunk_delay_ms = 0;           // between events
  int64_t disconnect_after = -1;    // >= 0: send that many events, then drop the connection
  uint64_t tokens = 0;              // the call's total tokens, charged to the rate-limit bucket
  bool close = false;               // answer, then close (the request could not be framed)
};

}  // namespace llmtap::mock
