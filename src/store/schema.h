#pragma once
// The store's schema as an ordered list of migrations. A file's PRAGMA user_version is the number
// of steps applied; opening applies the missing ones, each in its own transaction together with
// its user_version bump, so a crash mid-migration leaves the file at the previous version.
// Append new steps (samples, rollups, monitor state...); never edit a released one.
#include <sqlite3.h>

#include <span>
#include <string>

#include "store/sqlite_db.h"

namespace llmtap::store {

struct migration {
  int version;              // user_version after this step; steps are numbered 1, 2, 3...
  const char* description;  // for error messages
  const char* sql;
};

// All steps this build knows, in order.
std::span<const migration> migrations();

// The schema version this build writes and reads (= the last step's version).
int current_schema_version();

// Applies the steps of `steps` newer than the file's user_version. Throws store_error when the
// file is newer than the last step (written by a newer llmtap) or a step fails (rolled back).
// Returns the resulting version. `path` only names the file in messages.
int apply_migrations(sqlite3* db, const std::string& path,
                     std::span<const migration> steps = migrations());

// Opens (creating the file and missing parent directories, mode 0700) the store for writing:
// WAL, synchronous=NORMAL, busy_timeout, then migrations. Throws store_error with a clear message.
db_ptr open_store_for_writing(const std::string& path);

// Opens an existing store read-only for queries. Throws store_error when the file is missing
// ("no store at PATH: run `llmtap serve` first"), unreadable, not a store, or too new. Never
// creates a file.
db_ptr open_store_for_reading(const std::string& path);

}  // namespace llmtap::store
