#include "store/schema.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace llmtap::store {
namespace {

// v1: one row per call. `seq` is the store's own key: exchange ids restart with every process,
// so `id` is kept for correlating with logs but is not unique across restarts. Times: ts_unix_ms
// is wall clock; every *_us column is microseconds since the call was accepted (NULL when the
// phase never happened). Unknown values are NULL, never -1 or ''. cost_nano_usd is NULL for
// unpriced calls so that sums can tell "free" from "unknown".
constexpr const char* kV1 = R"sql(
CREATE TABLE calls (
  seq INTEGER PRIMARY KEY,
  id INTEGER NOT NULL,
  ts_unix_ms INTEGER NOT NULL,
  method TEXT,
  path TEXT,
  upstream TEXT,
  deployment TEXT,
  endpoint TEXT NOT NULL,
  organization TEXT,
  project TEXT,
  key_label TEXT,
  key_hash TEXT,
  service TEXT,
  env TEXT,
  version TEXT,
  retry_count INTEGER,
  request_bytes INTEGER NOT NULL,
  response_bytes INTEGER NOT NULL,
  status INTEGER,
  stream INTEGER NOT NULL,
  stream_requested INTEGER NOT NULL,
  include_usage_requested INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  model_requested TEXT,
  model_served TEXT,
  finish_reason TEXT,
  error_type TEXT,
  error_code TEXT,
  outcome TEXT NOT NULL,
  proxy_error TEXT,
  request_id TEXT,
  processing_ms INTEGER,
  ratelimit_limit_requests INTEGER,
  ratelimit_limit_tokens INTEGER,
  ratelimit_remaining_requests INTEGER,
  ratelimit_remaining_tokens INTEGER,
  ratelimit_reset_requests_ms INTEGER,
  ratelimit_reset_tokens_ms INTEGER,
  input_tokens INTEGER,
  output_tokens INTEGER,
  total_tokens INTEGER,
  cached_input_tokens INTEGER,
  reasoning_tokens INTEGER,
  audio_input_tokens INTEGER,
  audio_output_tokens INTEGER,
  usage_source TEXT,
  cost_nano_usd INTEGER,
  duration_us INTEGER,
  connect_start_us INTEGER,
  connected_us INTEGER,
  request_sent_us INTEGER,
  first_byte_us INTEGER,
  first_token_us INTEGER,
  last_byte_us INTEGER,
  inside_us INTEGER
);
-- Only ts is indexed. Every report reads all rows of a time range, so the range is what needs an
-- index; per-dimension indexes ((model_served, ts), (service, ts), ...) were measured to halve
-- the writer's rate (about 360k -> 180k rows/s, under the 200k bar) and no current query uses
-- them. A later migration adds one when a filtered query (the API's call explorer) needs it.
CREATE INDEX calls_ts ON calls (ts_unix_ms);
)sql";

// v2: the ts index goes. Its B-tree insert was ~17% of a row's cost (bench/micro
// BM_store_insert_rows: ~330k -> ~400k rows/s without it), and its only reader is `report
// --since`, which now starts its scan from a seq found by binary search over written_unix_ms:
// the writer's wall clock at the row's transaction, which rises with seq because one writer
// appends (query.cpp). Rows from v1 files keep NULL there.
constexpr const char* kV2 = R"sql(
ALTER TABLE calls ADD COLUMN written_unix_ms INTEGER;
DROP INDEX calls_ts;
)sql";

constexpr migration kMigrations[] = {
    {1, "calls table", kV1},
    {2, "written_unix_ms instead of the ts index", kV2},
};

// mkdir -p with mode 0700: the store holds API key labels, organizations and (later) prompts.
void create_parent_dirs(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return;
  std::filesystem::path cur;
  for (const auto& part : parent) {
    cur /= part;
    if (::mkdir(cur.c_str(), 0700) == 0) continue;
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(cur.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      err = ENOTDIR;
    }
    throw store_error(fmt::format("cannot create directory {} for store {}: {}", cur.string(), path,
                                  std::strerror(err)));
  }
}

}  // namespace

std::span<const migration> migrations() {
  return kMigrations;
}

int current_schema_version() {
  return migrations().back().version;
}

int apply_migrations(sqlite3* db, const std::string& path, std::span<const migration> steps) {
  const int known = steps.empty() ? 0 : steps.back().version;
  int version = user_version(db);
  if (version > known) {
    throw store_error(fmt::format(
        "store {} has schema version {}, newer than this llmtap understands ({}): upgrade llmtap "
        "or point --data-dir elsewhere",
        path, version, known));
  }
  for (const migration& m : steps) {
    if (m.version <= version) continue;
    // IMMEDIATE takes the write lock first, and the version is re-read under it, so two processes
    // opening the same fresh file cannot both apply a step.
    exec(db, "BEGIN IMMEDIATE");
    try {
      if (user_version(db) >= m.version) {
        exec(db, "COMMIT");
        version = m.version;
        continue;
      }
      exec(db, m.sql);
      exec(db, fmt::format("PRAGMA user_version = {}", m.version).c_str());
      exec(db, "COMMIT");
    } catch (const store_error& e) {
      try_exec(db, "ROLLBACK");
      throw store_error(fmt::format("store {}: migration to version {} ({}) failed: {}", path,
                                    m.version, m.description, e.what()));
    }
    version = m.version;
  }
  return version;
}

db_ptr open_store_for_writing(const std::string& path) {
  create_parent_dirs(path);
  db_ptr db = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  try {
    // WAL: readers (report, the admin API) never block the writer. NORMAL: no fsync per commit,
    // only at checkpoints; a crash loses at most the last batches, never corrupts the file.
    // 16 KB pages for a new store (an existing one keeps its size: SQLite ignores this then):
    // the writer appends a batch of rows as whole WAL frames, one pwrite each, and checkpoints
    // copy them again; 4 KB pages made that four times the syscalls.
    exec(db.get(), "PRAGMA page_size = 16384");
    exec(db.get(), "PRAGMA journal_mode = WAL");
    exec(db.get(), "PRAGMA synchronous = NORMAL");
    exec(db.get(), "PRAGMA temp_store = MEMORY");
    apply_migrations(db.get(), path);
  } catch (const store_error& e) {
    std::string msg = e.what();
    if (msg.rfind("store ", 0) == 0) throw;
    throw store_error(fmt::format("store {}: {}", path, msg));
  }
  return db;
}

db_ptr open_store_for_reading(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw store_error(fmt::format("no store at {}: run `llmtap serve` first", path));
  }
  // NOMUTEX: the connection lives on one thread for one query.
  db_ptr db = open_db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  int version = 0;
  try {
    version = user_version(db.get());
  } catch (const store_error& e) {
    throw store_error(fmt::format("cannot read store {}: {}", path, e.what()));
  }
  if (version == 0) {
    throw store_error(fmt::format("{} is not an llmtap store (no schema)", path));
  }
  if (version > current_schema_version()) {
    throw store_error(fmt::format(
        "store {} has schema version {}, newer than this llmtap understands ({}): upgrade llmtap",
        path, version, current_schema_version()));
  }
  // Older-but-known versions are not migrated here (read-only); queries check the version before
  // using a column a later step added (query.cpp).
  return db;
}

}  // namespace llmtap::store
