#include "store/row_binding.h"

#include <array>
#include <cassert>
#include <string_view>

namespace llmtap::store {
namespace {

// Order matters: bind_call binds in exactly this order.
constexpr std::array kColumns = {
    "id",
    "ts_unix_ms",
    "method",
    "path",
    "upstream",
    "deployment",
    "endpoint",
    "organization",
    "project",
    "key_label",
    "key_hash",
    "service",
    "env",
    "version",
    "retry_count",
    "request_bytes",
    "response_bytes",
    "status",
    "stream",
    "stream_requested",
    "include_usage_requested",
    "event_count",
    "model_requested",
    "model_served",
    "finish_reason",
    "error_type",
    "error_code",
    "outcome",
    "proxy_error",
    "request_id",
    "processing_ms",
    "ratelimit_limit_requests",
    "ratelimit_limit_tokens",
    "ratelimit_remaining_requests",
    "ratelimit_remaining_tokens",
    "ratelimit_reset_requests_ms",
    "ratelimit_reset_tokens_ms",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cached_input_tokens",
    "reasoning_tokens",
    "audio_input_tokens",
    "audio_output_tokens",
    "usage_source",
    "cost_nano_usd",
    "duration_us",
    "connect_start_us",
    "connected_us",
    "request_sent_us",
    "first_byte_us",
    "first_token_us",
    "last_byte_us",
    "inside_us",
    "written_unix_ms",
};

// Binds positionally, NULL for the "unknown" encodings of the exchange (-1, empty string).
struct binder {
  sqlite3_stmt* s;
  int i = 0;

  void null() { sqlite3_bind_null(s, ++i); }
  void num(int64_t v) { sqlite3_bind_int64(s, ++i, v); }
  void num_or_null(int64_t v) { v < 0 ? null() : num(v); }
  void text(std::string_view v) {
    sqlite3_bind_text(s, ++i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void text_or_null(std::string_view v) { v.empty() ? null() : text(v); }
  void flag(bool v) { num(v ? 1 : 0); }
};

}  // namespace

std::string insert_calls_sql(size_t rows) {
  std::string cols, params;
  for (const char* c : kColumns) {
    if (!cols.empty()) {
      cols += ", ";
      params += ", ";
    }
    cols += c;
    params += '?';
  }
  // OR ROLLBACK: a failed row ends the whole transaction, which is what write_batch does with a
  // failed batch anyway; a plain INSERT of several rows would instead keep a statement journal
  // to undo just itself (~7% of a row's cost, bench/micro BM_store_insert_rows).
  std::string sql = "INSERT OR ROLLBACK INTO calls (" + cols + ") VALUES ";
  for (size_t r = 0; r < rows; ++r) sql.append(r == 0 ? "(" : ", (").append(params).append(")");
  return sql;
}

const std::string& insert_call_sql() {
  static const std::string sql = insert_calls_sql(1);
  return sql;
}

int call_columns() noexcept {
  return static_cast<int>(kColumns.size());
}

int64_t since_accepted_us(int64_t accepted_ns, int64_t stamp_ns) noexcept {
  if (accepted_ns == 0 || stamp_ns == 0) return -1;
  int64_t d = stamp_ns - accepted_ns;
  // A stamp before `accepted` would be a clock bug upstream of us; clamp rather than store a
  // negative that would read as "unknown".
  return d < 0 ? 0 : d / 1000;
}

void bind_call(sqlite3_stmt* s, const exchange& e, int64_t written_unix_ms, size_t row) noexcept {
  const int first = static_cast<int>(row) * call_columns();
  binder b{s, first};
  const stamps& t = e.t;
  // Ids are (worker << 48) | counter and stay far below 2^63; the bit pattern is kept regardless.
  b.num(static_cast<int64_t>(e.id));
  b.num(e.wall_start_unix_ns / 1'000'000);
  b.text_or_null(e.method);
  b.text_or_null(e.path);
  b.text_or_null(e.upstream);
  b.text_or_null(e.deployment);
  b.text(to_string(e.ep));
  b.text_or_null(e.organization.empty() ? e.organization_name : e.organization);
  b.text_or_null(e.project);
  b.text_or_null(e.key_label);
  b.text_or_null(e.key_hash);
  b.text_or_null(e.service);
  b.text_or_null(e.env);
  b.text_or_null(e.version);
  b.num_or_null(e.retry_count);
  b.num(static_cast<int64_t>(e.request_bytes));
  b.num(static_cast<int64_t>(e.response_bytes));
  e.status == 0 ? b.null() : b.num(e.status);  // 0 = no response head ever arrived
  b.flag(e.stream);
  b.flag(e.stream_requested);
  b.flag(e.include_usage_requested);
  b.num(e.event_count);
  b.text_or_null(e.model_requested);
  b.text_or_null(e.model_served);
  b.text_or_null(e.finish_reason);
  b.text_or_null(e.error_type);
  b.text_or_null(e.error_code);
  b.text(to_string(e.result));
  b.text_or_null(e.proxy_error);
  b.text_or_null(e.request_id);
  b.num_or_null(e.processing_ms);
  b.num_or_null(e.limits.limit_requests);
  b.num_or_null(e.limits.limit_tokens);
  b.num_or_null(e.limits.remaining_requests);
  b.num_or_null(e.limits.remaining_tokens);
  b.num_or_null(e.limits.reset_requests_ms);
  b.num_or_null(e.limits.reset_tokens_ms);
  b.num_or_null(e.usage.input_tokens);
  b.num_or_null(e.usage.output_tokens);
  b.num_or_null(e.usage.total_tokens);
  b.num_or_null(e.usage.cached_input_tokens);
  b.num_or_null(e.usage.reasoning_tokens);
  b.num_or_null(e.usage.audio_input_tokens);
  b.num_or_null(e.usage.audio_output_tokens);
  e.usage.source == usage_source::none ? b.null() : b.text(to_string(e.usage.source));
  b.num_or_null(e.cost_nano_usd);  // -1 (unpriced or not yet priced) is NULL, never $0
  b.num_or_null(since_accepted_us(t.accepted, t.last_byte));  // duration_us
  b.num_or_null(since_accepted_us(t.accepted, t.upstream_connect_start));
  b.num_or_null(since_accepted_us(t.accepted, t.upstream_connected));
  b.num_or_null(since_accepted_us(t.accepted, t.request_sent));
  b.num_or_null(since_accepted_us(t.accepted, t.first_byte));
  b.num_or_null(since_accepted_us(t.accepted, t.first_token));
  b.num_or_null(since_accepted_us(t.accepted, t.last_byte));
  b.num_or_null(e.inside_ns < 0 ? -1 : e.inside_ns / 1000);
  b.num(written_unix_ms);
  // The column list and the bindings must stay in step; debug builds (and the tests) check it.
  assert(b.i == first + call_columns());
}

}  // namespace llmtap::store
