#include "mock/routes.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <exception>

#include <nlohmann/json.hpp>

#include "mock/content.h"
#include "mock/endpoints.h"
#include "mock/errors.h"

namespace llmtap::mock {

namespace {

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// A steering header as an integer in [lo, hi]; absent or junk -> fallback (junk never fails a
// call).
int64_t header_int(const http_request& req, std::string_view name, int64_t fallback, int64_t lo,
                   int64_t hi) {
  auto it = req.find(name);
  if (it == req.end()) return fallback;
  std::string_view v = it->value();
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  int64_t out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || p == v.data()) return fallback;
  return std::clamp(out, lo, hi);
}

bool header_flag(const http_request& req, std::string_view name) {
  auto it = req.find(name);
  if (it == req.end()) return false;
  std::string_view v = it->value();
  return !v.empty() && v != "0" && v != "false";
}

bool authorized(const http_request& req) {
  if (auto it = req.find(boost::beast::http::field::authorization); it != req.end()) {
    std::string_view v = it->value();
    if (v.size() > 7 && (starts_with(v, "Bearer ") || starts_with(v, "bearer "))) return true;
  }
  auto key = req.find("api-key");
  return key != req.end() && !key->value().empty();
}

}  // namespace

mock_state::mock_state(mock_options o)
    : opts(std::move(o)),
      limiter(opts.requests_per_window, opts.tokens_per_window, opts.rate_window) {}

bool fail_fires(uint64_t i, double f) {
  if (!(f > 0)) return false;
  if (f >= 1) return true;
  return std::floor(static_cast<double>(i + 1) * f) > std::floor(static_cast<double>(i) * f);
}

std::optional<route> classify_path(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  route r{route_kind::chat, {}, {}};
  std::string_view rest;
  if (starts_with(path, "/openai/deployments/")) {
    rest = path.substr(20);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos || slash == 0) return std::nullopt;
    r.deployment = std::string(rest.substr(0, slash));
    rest = rest.substr(slash + 1);
  } else if (starts_with(path, "/openai/v1/")) {
    rest = path.substr(11);
  } else if (starts_with(path, "/v1/")) {
    rest = path.substr(4);
  } else if (starts_with(path, "/")) {
    rest = path.substr(1);  // SDKs pointed at a base URL without /v1
  } else {
    return std::nullopt;
  }
  if (rest == "chat/completions")
    r.kind = route_kind::chat;
  else if (rest == "completions")
    r.kind = route_kind::completions;
  else if (rest == "embeddings")
    r.kind = route_kind::embeddings;
  else if (rest == "responses")
    r.kind = route_kind::responses;
  else if (rest == "models")
    r.kind = route_kind::models;
  else if (starts_with(rest, "models/") && rest.size() > 7) {
    r.kind = route_kind::model;
    r.model_id = std::string(rest.substr(7));
  } else {
    return std::nullopt;
  }
  return r;
}

void add_common_headers(reply& r, mock_state& st) {
  auto rl = st.limiter.consume(r.tokens);
  auto& h = r.headers;
  h.emplace_back("x-request-id", "req_" + random_hex(32));
  h.emplace_back("openai-organization", "org-mock");
  h.emplace_back("openai-project", "proj_mock");
  h.emplace_back("openai-version", "2020-10-01");
  h.emplace_back("x-ratelimit-limit-requests", std::to_string(rl.limit_requests));
  h.emplace_back("x-ratelimit-limit-tokens", std::to_string(rl.limit_tokens));
  h.emplace_back("x-ratelimit-remaining-requests", std::to_string(rl.remaining_requests));
  h.emplace_back("x-ratelimit-remaining-tokens", std::to_string(rl.remaining_tokens));
  h.emplace_back("x-ratelimit-reset-requests", go_duration(rl.reset_requests));
  h.emplace_back("x-ratelimit-reset-tokens", go_duration(rl.reset_tokens));
  h.emplace_back("access-control-expose-headers", "X-Request-ID");
  h.emplace_back("x-content-type-options", "nosniff");
}

namespace {

reply dispatch(const http_request& req, mock_state& st) {
  namespace http = boost::beast::http;
  std::string_view target = req.target();
  std::string_view path = target.substr(0, target.find('?'));
  auto rt = classify_path(path);
  bool is_get = rt && (rt->kind == route_kind::models || rt->kind == route_kind::model);
  if (!rt || req.method() != (is_get ? http::verb::get : http::verb::post))
    return not_found_url(req.method_string(), path);
  if (!authorized(req)) return invalid_api_key();

  // Parse early so an injected 429 can name the model, but report bad JSON only after the
  // injected faults: a test steering a fault should get that fault whatever the body.
  nlohmann::json body;
  if (!is_get) body = nlohmann::json::parse(req.body(), nullptr, false);
  std::string model;
  if (!rt->deployment.empty()) {
    model = model_for_deployment(rt->deployment);
  } else if (body.is_object()) {
    if (auto m = body.find("model"); m != body.end() && m->is_string())
      model = resolve_model(m->get<std::string>());
  }

  const auto& o = st.opts;
  int latency = static_cast<int>(header_int(req, "x-mock-latency-ms", o.latency_ms, 0, 600000));
  auto with_latency = [latency](reply r) {
    r.latency_ms = latency;
    return r;
  };
  if (auto it = req.find("x-mock-error"); it != req.end()) {
    reply e = error_for_code(it->value(), model, o.retry_after_s);
    if (e.status != 0) return with_latency(std::move(e));
  }
  if (int64_t s = header_int(req, "x-mock-status", 0, 0, 599); s >= 400)
    return with_latency(error_for_status(static_cast<unsigned>(s), model, o.retry_after_s));
  uint64_t call = st.calls.fetch_add(1, std::memory_order_relaxed);
  for (const auto& f : o.fail)
    if (fail_fires(call, f.fraction))
      return with_latency(error_for_status(f.status, model, o.retry_after_s));

  if (rt->kind == route_kind::models) return with_latency(list_models(0));
  if (rt->kind == route_kind::model) return with_latency(get_model(rt->model_id));
  if (body.is_discarded() || !body.is_object()) return invalid_json_body();
  if (model.empty())
    return error_reply(400, "you must provide a model parameter", "invalid_request_error", "");

  auto now = std::chrono::system_clock::now().time_since_epoch();
  call_context ctx{body};
  ctx.model = model;
  ctx.forced_tokens = header_int(req, "x-mock-tokens", -1, 0, 100000);
  ctx.malformed = header_flag(req, "x-mock-malformed");
  ctx.stream_error = header_flag(req, "x-mock-stream-error");
  ctx.embedding_dimensions = o.embedding_dimensions;
  ctx.created = std::chrono::duration_cast<std::chrono::seconds>(now).count();
  reply r;
  switch (rt->kind) {
    case route_kind::chat:
      r = chat_completions(ctx);
      break;
    case route_kind::completions:
      r = completions(ctx);
      break;
    case route_kind::embeddings:
      r = embeddings(ctx);
      break;
    case route_kind::responses:
      r = responses(ctx);
      break;
    default:
      break;
  }
  r.latency_ms = latency;
  if (r.stream) {
    r.chunk_delay_ms =
        static_cast<int>(header_int(req, "x-mock-chunk-delay-ms", o.chunk_delay_ms, 0, 600000));
    r.disconnect_after = header_int(req, "x-mock-disconnect-after", -1, 0, INT64_MAX);
  }
  return r;
}

}  // namespace

reply handle_request(const http_request& req, mock_state& st) {
  reply r;
  try {
    r = dispatch(req, st);
  } catch (const std::exception&) {
    // A request shape the endpoint code did not foresee: answer like the API would, never crash.
    r = error_reply(400, "Invalid request body.", "invalid_request_error", "");
  }
  add_common_headers(r, st);
  return r;
}

}  // namespace llmtap::mock
