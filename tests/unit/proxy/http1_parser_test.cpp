#include "proxy/http1_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmtap::proxy {
namespace {

using http_error = boost::beast::http::error;

// A parser with the body collected into `body`.
struct parsed {
  http1_parser p;
  std::string body;
  explicit parsed(bool request) : p(request, {}) {
    p.on_body = [this](std::string_view b) { body.append(b); };
  }
};

// Feeds `wire` as a buffer that grows by `step` bytes a read (as the proxy's buffers do): what a
// put leaves unconsumed is offered again with the next bytes. Returns the bytes consumed.
size_t feed(http1_parser& p, const std::string& wire, size_t step, error_code& ec) {
  size_t consumed = 0;
  for (size_t filled = std::min(step, wire.size());;
       filled = std::min(filled + step, wire.size())) {
    for (;;) {
      const size_t n = p.put(wire.data() + consumed, filled - consumed, ec);
      consumed += n;
      if (ec == http_error::need_more) ec = {};
      if (ec || p.is_done() || n == 0 || consumed == filled) break;
    }
    if (ec || p.is_done() || filled == wire.size()) return consumed;
  }
}

std::string value_of(const http1_parser& p, std::string_view name) {
  for (const auto& f : p.fields)
    if (f.name == name) return std::string(f.value);
  return "(absent)";
}

const std::string kRequest =
    "POST /v1/chat/completions?x=1 HTTP/1.1\r\n"
    "Host: api.example\r\n"
    "Content-Type:application/json \t\r\n"
    "Authorization: Bearer sk-test\r\n"
    "X-Stainless-Retry-Count: 0\r\n"
    "Content-Length: 11\r\n"
    "\r\n"
    "{\"a\":true}\n"
    "GET /next HTTP/1.1\r\n\r\n";

TEST(Http1Parser, ParsesARequestHeadAndStopsThereWithoutEager) {
  parsed r(true);
  r.p.eager(false);
  error_code ec;
  const size_t head = kRequest.find("\r\n\r\n") + 4;
  EXPECT_EQ(r.p.put(kRequest.data(), kRequest.size(), ec), head);
  EXPECT_FALSE(ec);
  ASSERT_TRUE(r.p.is_header_done());
  EXPECT_FALSE(r.p.is_done());
  EXPECT_EQ(r.p.method, "POST");
  EXPECT_EQ(r.p.target, "/v1/chat/completions?x=1");
  EXPECT_EQ(r.p.version, 11);
  ASSERT_EQ(r.p.fields.size(), 5u);
  EXPECT_EQ(r.p.fields[0].known, field_name::host);
  EXPECT_EQ(r.p.fields[1].known, field_name::content_type);
  EXPECT_EQ(value_of(r.p, "Content-Type"), "application/json");  // OWS trimmed both sides
  EXPECT_EQ(r.p.fields[2].known, field_name::authorization);
  EXPECT_EQ(value_of(r.p, "Authorization"), "Bearer sk-test");
  EXPECT_EQ(r.p.fields[3].known, field_name::other);
  EXPECT_EQ(r.p.fields[4].known, field_name::content_length);
  EXPECT_TRUE(r.p.has_content_length());

  r.p.eager(true);
  EXPECT_EQ(r.p.put(kRequest.data() + head, kRequest.size() - head, ec), 11u);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(r.p.is_done());
  EXPECT_EQ(r.body, "{\"a\":true}\n");
  EXPECT_EQ(r.p.body_bytes, 11u);
}

TEST(Http1Parser, ARequestSplitAtEveryByteParsesTheSame) {
  for (size_t step = 1; step <= kRequest.size(); ++step) {
    parsed r(true);
    error_code ec;
    const size_t used = feed(r.p, kRequest, step, ec);
    ASSERT_FALSE(ec) << "step " << step << ": " << ec.message();
    ASSERT_TRUE(r.p.is_done()) << "step " << step;
    EXPECT_EQ(used, kRequest.find("GET /next")) << "the next request is left alone";
    EXPECT_EQ(r.body, "{\"a\":true}\n") << "step " << step;
    EXPECT_EQ(value_of(r.p, "X-Stainless-Retry-Count"), "0");
  }
}

const std::string kChunked =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "x-ratelimit-remaining-requests: 9999\r\n"
    "\r\n"
    "f\r\ndata: {\"a\":1}\n\n\r\n"
    "0D;name=value ; other=\"q\\\"s\"\r\ndata: [DONE]\n\r\n"
    "0\r\nx-trailer: 1\r\n\r\n"
    "HTTP/1.1 200 OK\r\n";

TEST(Http1Parser, AChunkedResponseSplitAtEveryByteGivesTheSameBody) {
  for (size_t step = 1; step <= kChunked.size(); ++step) {
    parsed r(false);
    error_code ec;
    const size_t used = feed(r.p, kChunked, step, ec);
    ASSERT_FALSE(ec) << "step " << step << ": " << ec.message();
    ASSERT_TRUE(r.p.is_done()) << "step " << step;
    EXPECT_EQ(used, kChunked.rfind("HTTP/1.1"));
    EXPECT_EQ(r.body, "data: {\"a\":1}\n\ndata: [DONE]\n") << "step " << step;
    EXPECT_EQ(r.p.status, 200);
    EXPECT_EQ(r.p.reason, "OK");
    EXPECT_TRUE(r.p.chunked());
    EXPECT_EQ(r.p.fields.size(), 3u) << "trailers are checked, not recorded";
  }
}

// The error a whole message gets (nothing else in the buffer).
error_code error_of(bool request, const std::string& wire) {
  http1_parser p(request, {});
  error_code ec;
  size_t used = 0;
  while (!ec && !p.is_done()) {
    const size_t n = p.put(wire.data() + used, wire.size() - used, ec);
    used += n;
    if (n == 0) break;
  }
  return ec;
}

TEST(Http1Parser, MalformedHeadsGetBeastsErrors) {
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n"), http_error::bad_field);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\n: x\r\n\r\n"), http_error::bad_field);
  // Names past 16 bytes (the vector loop): a bad byte after them is found, other tchars pass.
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-0123456789abcdefgh j: x\r\n\r\n"),
            http_error::bad_field);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-0123456789abcd_{: x\r\n\r\n"),
            http_error::bad_field);
  {
    http1_parser p(false, {});
    error_code ec;
    const std::string wire =
        "HTTP/1.1 204 No Content\r\nX-0123456789-ABCDEF:a\r\nX-0123456789abcd_e.f~!:b\r\n\r\n";
    EXPECT_EQ(p.put(wire.data(), wire.size(), ec), wire.size());
    EXPECT_FALSE(ec);
    EXPECT_EQ(value_of(p, "X-0123456789-ABCDEF"), "a");
    EXPECT_EQ(value_of(p, "X-0123456789abcd_e.f~!"), "b");
  }
  EXPECT_EQ(error_of(false,
                     "HTTP/1.1 200 OK\r\nx-a: b\x01"
                     "c\r\n\r\n"),
            http_error::bad_value);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-a: b\nc\r\n\r\n"), http_error::bad_value);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-a: b\rc\r\n\r\n"), http_error::bad_line_ending);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-a: b\x7f\r\n\r\n"), http_error::bad_value);
  // A control byte past the first 16 bytes of a value (the vector loop), tabs allowed.
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-a: 0123456789\tabcdefghij\x02k\r\n\r\n"),
            http_error::bad_value);
  parsed tabs(false);
  error_code ec;
  const std::string long_value =
      "HTTP/1.1 204 No Content\r\nx-a: 0123456789\tabcdefghij\tk"
      "\xc3\xa9 0123456789abcdef\r\n\r\n";
  EXPECT_EQ(tabs.p.put(long_value.data(), long_value.size(), ec), long_value.size());
  EXPECT_FALSE(ec);
  EXPECT_EQ(value_of(tabs.p, "x-a"), "0123456789\tabcdefghij\tk\xc3\xa9 0123456789abcdef");
  // obs-fold is refused.
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 OK\r\nx-a: b\r\n c\r\n\r\n"), http_error::bad_value);
  EXPECT_EQ(error_of(false, "HTTP/1.1 2000 OK\r\n\r\n"), http_error::bad_status);
  EXPECT_EQ(error_of(false, "HTTP/1.1 2x0 OK\r\n\r\n"), http_error::bad_status);
  EXPECT_EQ(error_of(false, "HTTP/2.0 200 OK\r\n\r\n"), http_error::bad_version);
  EXPECT_EQ(error_of(false, "HTTP/1.1 200 O\x01K\r\n\r\n"), http_error::bad_reason);
  EXPECT_EQ(error_of(true, "THIS IS NOT HTTP\r\n\r\n"), http_error::bad_version);
  EXPECT_EQ(error_of(true, "GET  HTTP/1.1\r\n\r\n"), http_error::bad_target);
  EXPECT_EQ(error_of(true, " / HTTP/1.1\r\n\r\n"), http_error::bad_method);
  EXPECT_EQ(error_of(true, "GET /\x01 HTTP/1.1\r\n\r\n"), http_error::bad_target);
  EXPECT_EQ(error_of(true, "GET / HTTP/1.1\r\nHost: x\r\r\n\r\n"), http_error::bad_line_ending);
}

TEST(Http1Parser, AStatusLineWithoutAReasonIsAccepted) {
  parsed r(false);
  error_code ec;
  const std::string wire = "HTTP/1.1 204\r\nx: y\r\n\r\n";
  EXPECT_EQ(r.p.put(wire.data(), wire.size(), ec), wire.size());
  EXPECT_FALSE(ec);
  EXPECT_EQ(r.p.status, 204);
  EXPECT_EQ(r.p.reason, "");
  EXPECT_TRUE(r.p.is_done());
}

TEST(Http1Parser, RequestSmugglingDefences) {
  const std::string cl_te =
      "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
  const std::string te_cl =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n";
  for (const auto& wire : {cl_te, te_cl}) {
    http1_parser p(true, {});
    error_code ec;
    EXPECT_EQ(p.put(wire.data(), wire.size(), ec), 0u);
    EXPECT_EQ(ec, http_error::bad_transfer_encoding);
    EXPECT_EQ(p.framing, framing_error::content_length_with_transfer_encoding) << wire;
  }
  for (const std::string wire :
       {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"}) {
    http1_parser p(true, {});
    error_code ec;
    p.put(wire.data(), wire.size(), ec);
    EXPECT_EQ(ec, http_error::bad_transfer_encoding);
    EXPECT_EQ(p.framing, framing_error::bad_transfer_encoding) << wire;
  }
  EXPECT_EQ(error_of(true,
                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
                     "Transfer-Encoding: gzip\r\n\r\n"),
            http_error::bad_transfer_encoding);
  EXPECT_EQ(error_of(true, "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            http_error::multiple_content_length);
  EXPECT_EQ(error_of(true, "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n"),
            http_error::bad_content_length);
  EXPECT_EQ(error_of(true, "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
            http_error::bad_content_length);
  EXPECT_EQ(error_of(true, "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n"),
            http_error::bad_content_length);
  // The same length twice, or as a list of one number, is one length.
  parsed same(true);
  error_code ec;
  const std::string wire =
      "POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabcdef";
  EXPECT_EQ(same.p.put(wire.data(), wire.size(), ec), wire.size() - 3);
  EXPECT_FALSE(ec);
  EXPECT_EQ(same.body, "abc");
}

TEST(Http1Parser, MalformedChunksAreRefused) {
  const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  EXPECT_EQ(error_of(false, head + "g\r\nabc\r\n0\r\n\r\n"), http_error::bad_chunk);
  EXPECT_EQ(error_of(false, head + "3\nabc\r\n0\r\n\r\n"), http_error::bad_chunk);
  EXPECT_EQ(error_of(false, head + "3\r\nabcX\r\n0\r\n\r\n"), http_error::bad_chunk);
  EXPECT_EQ(error_of(false, head + "10000000000000000\r\n"), http_error::bad_chunk);
  EXPECT_EQ(error_of(false, head + "3;\r\nabc\r\n0\r\n\r\n"), http_error::bad_chunk_extension);
  EXPECT_EQ(error_of(false, head + "3;a=\"x\r\nabc\r\n0\r\n\r\n"), http_error::bad_chunk_extension);
  EXPECT_EQ(error_of(false, head + "3 x\r\nabc\r\n0\r\n\r\n"), http_error::bad_chunk_extension);
  EXPECT_EQ(error_of(false, head + "3 \r\nabc\r\n0\r\n\r\n"), http_error::bad_chunk_extension);
  EXPECT_EQ(error_of(false, head + "0\r\nbad trailer\r\n\r\n"), http_error::bad_field);
  // The largest size that fits is read, not refused.
  http1_parser big(false, {});
  error_code ec;
  const std::string w = head + "FFFFFFFFFFFFFFFF\r\nabc";
  EXPECT_EQ(big.put(w.data(), w.size(), ec), w.size());
  EXPECT_FALSE(ec);
  EXPECT_EQ(big.body_bytes, 3u);
}

TEST(Http1Parser, HeaderAndBodyLimits) {
  const std::string big = "GET / HTTP/1.1\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
  for (const std::string& wire : {big, big.substr(0, 150)}) {
    http1_parser p(true, {});
    p.header_limit(100);
    error_code ec;
    EXPECT_EQ(p.put(wire.data(), wire.size(), ec), 0u);
    EXPECT_EQ(ec, http_error::header_limit) << wire.size();
  }
  {
    // Incomplete and under the limit: more is needed; once the limit is reached: refused.
    http1_parser p(true, {});
    p.header_limit(100);
    error_code ec;
    EXPECT_EQ(p.put(big.data(), 60, ec), 0u);
    EXPECT_EQ(ec, http_error::need_more);
    EXPECT_EQ(p.put(big.data(), 100, ec), 0u);
    EXPECT_EQ(ec, http_error::header_limit);
  }
  http1_parser cl(true, {});
  cl.body_limit(10);
  error_code ec;
  const std::string over = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n";
  cl.put(over.data(), over.size(), ec);
  EXPECT_EQ(ec, http_error::body_limit);

  http1_parser chunks(true, {});
  chunks.body_limit(10);
  const std::string chunked =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n5\r\nabcde\r\n";
  size_t used = chunks.put(chunked.data(), chunked.size(), ec);
  EXPECT_EQ(ec, http_error::body_limit);
  EXPECT_EQ(chunks.body_bytes, 6u) << "the first chunk fitted";
  EXPECT_EQ(chunked.substr(used), "5\r\nabcde\r\n");
}

TEST(Http1Parser, ResponsesWithoutABody) {
  const std::string with_length = " \r\nContent-Length: 5\r\n\r\nabcde";
  for (const std::string status : {"HTTP/1.1 204", "HTTP/1.1 304", "HTTP/1.1 103"}) {
    http1_parser p(false, {});
    error_code ec;
    const std::string wire = status + with_length;
    EXPECT_EQ(p.put(wire.data(), wire.size(), ec), wire.size() - 5) << status;
    EXPECT_TRUE(p.is_done()) << status;
  }
  http1_parser head(false, {});
  head.skip(true);  // the answer to a HEAD request
  error_code ec;
  const std::string wire = "HTTP/1.1 200 OK" + with_length;
  EXPECT_EQ(head.put(wire.data(), wire.size(), ec), wire.size() - 5);
  EXPECT_TRUE(head.is_done());
}

TEST(Http1Parser, AResponseWithoutLengthRunsToTheClose) {
  parsed r(false);
  error_code ec;
  const std::string wire = "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nsome body";
  EXPECT_EQ(r.p.put(wire.data(), wire.size(), ec), wire.size());
  EXPECT_TRUE(r.p.need_eof());
  EXPECT_TRUE(r.p.connection_close);
  EXPECT_EQ(r.p.version, 10);
  EXPECT_FALSE(r.p.is_done());
  r.p.put_eof(ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(r.p.is_done());
  EXPECT_EQ(r.body, "some body");

  // A close before a framed body ends is a partial message.
  http1_parser cut(false, {});
  const std::string partial = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  cut.put(partial.data(), partial.size(), ec);
  cut.put_eof(ec);
  EXPECT_EQ(ec, http_error::partial_message);
}

TEST(Http1Parser, ConnectionAndExpectTokens) {
  http1_parser p(true, {});
  error_code ec;
  const std::string wire =
      "POST / HTTP/1.0\r\nConnection: foo, Keep-Alive\r\nExpect: 100-Continue\r\n"
      "Content-Length: 0\r\n\r\n";
  p.put(wire.data(), wire.size(), ec);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(p.connection_keep_alive);
  EXPECT_FALSE(p.connection_close);
  EXPECT_TRUE(p.expect_continue);
  EXPECT_TRUE(p.is_done());
}

TEST(Http1Parser, ClassifiesTheNamesTheProxyActsOnWhateverTheirCase) {
  EXPECT_EQ(classify_field_name("CONTENT-LENGTH"), field_name::content_length);
  EXPECT_EQ(classify_field_name("transfer-Encoding"), field_name::transfer_encoding);
  EXPECT_EQ(classify_field_name("TE"), field_name::te);
  EXPECT_EQ(classify_field_name("Proxy-Authorization"), field_name::proxy_authorization);
  EXPECT_EQ(classify_field_name("proxy-authenticate"), field_name::proxy_authenticate);
  EXPECT_EQ(classify_field_name("Accept-Encoding"), field_name::accept_encoding);
  EXPECT_EQ(classify_field_name("Keep-Alive"), field_name::keep_alive);
  EXPECT_EQ(classify_field_name("Upgrade"), field_name::upgrade);
  EXPECT_EQ(classify_field_name("Trailer"), field_name::trailer);
  EXPECT_EQ(classify_field_name("Expect"), field_name::expect);
  EXPECT_EQ(classify_field_name("x-request-id"), field_name::other);
  EXPECT_EQ(classify_field_name("Content-Lengths"), field_name::other);
  EXPECT_EQ(classify_field_name("hosts"), field_name::other);
  EXPECT_TRUE(is_hop_by_hop(field_name::proxy_connection));
  EXPECT_FALSE(is_hop_by_hop(field_name::content_type));
}

}  // namespace
}  // namespace llmtap::proxy
