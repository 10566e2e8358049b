#pragma once
// Request -> reply decisions: path routing (OpenAI, /v1-less, Azure deployments and Azure v1),
// auth, per-call steering headers, --fail injection, and the headers every answer carries.
// Called on session threads; the only shared mutable state is in mock_state.
#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "mock/mock_server.h"
#include "mock/rate_limit.h"
#include "mock/reply.h"

namespace llmtap::mock {

struct mock_state {
  explicit mock_state(mock_options o);
  mock_options opts;
  rate_limiter limiter;
  std::atomic<uint64_t> calls{0};  // feeds the deterministic --fail sequence
};

enum class route_kind { chat, completions, embeddings, responses, models, model };

struct route {
  route_kind kind;
  std::string deployment;  // Azure /openai/deployments/{d}/...
  std::string model_id;    // GET /models/{id}
};

// Path without query string; nullopt for anything the mock does not serve.
std::optional<route> classify_path(std::string_view path);

using http_request = boost::beast::http::request<boost::beast::http::string_body>;

reply handle_request(const http_request& req, mock_state& st);

// x-request-id, openai-* and x-ratelimit-* headers; charges r.tokens to the buckets. Also used by
// the session for answers to requests that could not even be parsed.
void add_common_headers(reply& r, mock_state& st);

// Deterministic fraction: call i fires when floor((i+1)f) > floor(i f), i.e. exactly f of calls.
bool fail_fires(uint64_t call_index, double fraction);

}  // namespace llmtap::mock
