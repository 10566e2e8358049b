#include "store/sqlite_db.h"

#include <fmt/format.h>

namespace llmtap::store {

// Long enough to ride out a checkpoint or a concurrent migration by another process, short
// enough that a wedged lock surfaces as an error instead of a hang.
constexpr int kBusyTimeoutMs = 5000;

namespace {
// SQLite keeps memory statistics by default: every allocation it makes takes a global mutex to
// count itself (about five lock/unlock pairs per stored row, callgrind). llmtap never reads
// them. Must run before SQLite initializes, i.e. before the first open; if something else
// initialized it first, the call fails harmlessly and the counting stays on.
void configure_sqlite_once() {
  static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}
}  // namespace

db_ptr open_db(const std::string& path, int flags) {
  configure_sqlite_once();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db(raw);  // sqlite allocates a handle even on failure; this frees it
  if (rc != SQLITE_OK) {
    throw store_error(fmt::format("cannot open store {}: {}", path,
                                  raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  return db;
}

void exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    throw store_error(msg);
  }
}

bool try_exec(sqlite3* db, const char* sql) noexcept {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

stmt_ptr prepare(sqlite3* db, std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  if (rc != SQLITE_OK) {
    throw store_error(fmt::format("cannot prepare statement: {}", sqlite3_errmsg(db)));
  }
  return stmt_ptr(raw);
}

int user_version(sqlite3* db) {
  stmt_ptr s = prepare(db, "PRAGMA user_version");
  int rc = sqlite3_step(s.get());
  if (rc != SQLITE_ROW)
    throw store_error(fmt::format("cannot read schema version: {}", sqlite3_errmsg(db)));
  return sqlite3_column_int(s.get(), 0);
}

}  // namespace llmtap::store
