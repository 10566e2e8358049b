#pragma once
// Thin RAII over the SQLite C API: just enough for the store's few statements. Owned by whoever
// opened it (the writer thread's connection, or one report query); connections are never shared
// between threads at the same time.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace llmtap::store {

// Anything the store cannot do at startup or for a query (open, migrate, read). The writer's
// data path never throws: it counts errors instead.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

struct stmt_finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, stmt_finalizer>;

// Opens `path` with `flags` (SQLITE_OPEN_*), sets busy_timeout; throws store_error naming the path.
db_ptr open_db(const std::string& path, int flags);

// Runs one or more statements without results; throws store_error with sqlite's message.
void exec(sqlite3* db, const char* sql);
// Same, but reports failure as false (for the writer's data path).
bool try_exec(sqlite3* db, const char* sql) noexcept;

stmt_ptr prepare(sqlite3* db, std::string_view sql);

// PRAGMA user_version: the schema version this file was migrated to (0 = fresh/empty).
int user_version(sqlite3* db);

}  // namespace llmtap::store
