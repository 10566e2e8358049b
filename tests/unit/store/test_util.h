#pragma once
// Shared by the store tests: a scratch directory per test and a few direct-SQL helpers.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/exchange.h"
#include "store/sqlite_db.h"

namespace llmtap::store::test {

class temp_dir_test : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("llmtap-store-") + info->test_suite_name() + "-" + info->name() + "-" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string db_path() const { return (dir_ / "data" / "llmtap.db").string(); }

  std::filesystem::path dir_;
};

// Opens the file read-write without migrating, for poking at it directly.
inline db_ptr raw_open(const std::string& path) {
  return open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
}

// The single value of a one-row, one-column query; nullopt for NULL.
inline std::optional<int64_t> scalar_int(sqlite3* db, const std::string& sql) {
  stmt_ptr s = prepare(db, sql);
  EXPECT_EQ(sqlite3_step(s.get()), SQLITE_ROW) << sql;
  if (sqlite3_column_type(s.get(), 0) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s.get(), 0);
}

inline std::optional<std::string> scalar_text(sqlite3* db, const std::string& sql) {
  stmt_ptr s = prepare(db, sql);
  EXPECT_EQ(sqlite3_step(s.get()), SQLITE_ROW) << sql;
  if (sqlite3_column_type(s.get(), 0) == SQLITE_NULL) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
}

// A plausible finished chat call: accepted at 1 s on the monotonic clock, `duration_ms` long.
inline std::shared_ptr<exchange> make_call(uint64_t id, int64_t ts_ms, int64_t duration_ms) {
  auto e = std::make_shared<exchange>();
  e->id = id;
  e->wall_start_unix_ns = ts_ms * 1'000'000;
  e->t.accepted = 1'000'000'000;
  e->t.request_head_done = e->t.accepted + 10'000;
  e->t.last_byte = e->t.accepted + duration_ms * 1'000'000;
  e->method = "POST";
  e->path = "/v1/chat/completions";
  e->upstream = "default";
  e->ep = endpoint::chat_completions;
  e->status = 200;
  e->model_requested = "gpt-4o";
  e->model_served = "gpt-4o-2024-08-06";
  return e;
}

}  // namespace llmtap::store::test
