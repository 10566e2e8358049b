#pragma once
// One coroutine per connection (HTTP/1.1 keep-alive loop), run on its own strand. The session
// owns framing and timing; what to answer comes from routes.h.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

namespace llmtap::mock {

struct mock_state;

// `tls` null: plain HTTP. The socket's executor must be a strand (the acceptor makes one).
void start_session(boost::asio::ip::tcp::socket socket, mock_state* st,
                   boost::asio::ssl::context* tls);

}  // namespace llmtap::mock
