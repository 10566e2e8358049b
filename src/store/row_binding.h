#pragma once
// How one exchange becomes one `calls` row: the INSERT statement and its bindings, kept side by
// side so that the column list and the values cannot drift apart.
#include <sqlite3.h>

#include <string>

#include "core/exchange.h"

namespace llmtap::store {

// "INSERT INTO calls (...) VALUES (?, ...)" for every column except `seq`.
const std::string& insert_call_sql();
// The same for `rows` rows in one statement: "... VALUES (?, ...), (?, ...), ...".
std::string insert_calls_sql(size_t rows);
// Parameters per row.
int call_columns() noexcept;

// Binds `e` as row `row` (0-based) of a statement prepared from insert_call_sql() or
// insert_calls_sql(), with the writer's wall clock (one reading per transaction) as
// written_unix_ms. Strings are bound SQLITE_STATIC: `e` must outlive the step, and the caller
// clears bindings before `e` goes away.
void bind_call(sqlite3_stmt* s, const exchange& e, int64_t written_unix_ms,
               size_t row = 0) noexcept;

// Microseconds from `accepted` to `stamp`; -1 (stored as NULL) when either did not happen.
int64_t since_accepted_us(int64_t accepted_ns, int64_t stamp_ns) noexcept;

}  // namespace llmtap::store
