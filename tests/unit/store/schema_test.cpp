#include "store/schema.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "test_util.h"

namespace llmtap::store {
namespace {

using test::scalar_int;
using test::scalar_text;

class Schema : public test::temp_dir_test {};

TEST_F(Schema, FreshFileGetsCurrentVersionWalAndCallsTable) {
  db_ptr db = open_store_for_writing(db_path());
  EXPECT_EQ(current_schema_version(), 2);
  EXPECT_EQ(user_version(db.get()), current_schema_version());
  EXPECT_EQ(scalar_text(db.get(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar_int(db.get(), "PRAGMA synchronous"), 1);  // NORMAL
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'calls'"), 1);
  // v2 dropped the ts index (report --since searches written_unix_ms instead).
  EXPECT_EQ(scalar_int(db.get(),
                       "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                       "tbl_name = 'calls'"),
            0);
  EXPECT_EQ(scalar_int(db.get(),
                       "SELECT count(*) FROM pragma_table_info('calls') WHERE name = "
                       "'written_unix_ms'"),
            1);
  // Later components' tables come with later migrations, not now.
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 1);
}

TEST_F(Schema, CreatesMissingParentDirectoryOwnerOnly) {
  ASSERT_FALSE(std::filesystem::exists(dir_));
  open_store_for_writing(db_path());
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(Schema, ReopeningIsANoOpAndKeepsRows) {
  {
    db_ptr db = open_store_for_writing(db_path());
    exec(db.get(),
         "INSERT INTO calls (id, ts_unix_ms, endpoint, request_bytes, response_bytes, stream, "
         "stream_requested, include_usage_requested, event_count, outcome) "
         "VALUES (7, 1000, 'other', 0, 0, 0, 0, 0, 0, 'ok')");
  }
  db_ptr db = open_store_for_writing(db_path());
  EXPECT_EQ(user_version(db.get()), current_schema_version());
  EXPECT_EQ(scalar_int(db.get(), "SELECT id FROM calls"), 7);
}

TEST_F(Schema, AVersion1FileIsMigratedKeepingItsRows) {
  std::filesystem::create_directories(dir_ / "data");
  {
    db_ptr v1 = test::raw_open(db_path());
    exec(v1.get(), "PRAGMA journal_mode = WAL");
    ASSERT_EQ(apply_migrations(v1.get(), db_path(), migrations().first(1)), 1);
    exec(v1.get(),
         "INSERT INTO calls (id, ts_unix_ms, endpoint, request_bytes, response_bytes, stream, "
         "stream_requested, include_usage_requested, event_count, outcome) "
         "VALUES (7, 1000, 'other', 0, 0, 0, 0, 0, 0, 'ok')");
  }
  // Reading does not migrate: a v1 file still reads as v1.
  EXPECT_EQ(user_version(open_store_for_reading(db_path()).get()), 1);
  db_ptr db = open_store_for_writing(db_path());
  EXPECT_EQ(user_version(db.get()), 2);
  EXPECT_EQ(scalar_int(db.get(), "SELECT id FROM calls"), 7);
  EXPECT_EQ(scalar_int(db.get(), "SELECT written_unix_ms FROM calls"), std::nullopt);
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 'calls_ts'"), 0);
}

TEST_F(Schema, NewerFileIsRefusedForWritingAndReading) {
  open_store_for_writing(db_path());
  {
    db_ptr raw = test::raw_open(db_path());
    exec(raw.get(), "PRAGMA user_version = 99");
  }
  try {
    open_store_for_writing(db_path());
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 99, newer than this llmtap"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(open_store_for_reading(db_path()), store_error);
}

TEST_F(Schema, StepsApplyInOrderAndAFailedStepRollsBack) {
  std::filesystem::create_directories(dir_);
  db_ptr db = test::raw_open((dir_ / "m.db").string());
  const migration steps[] = {
      {1, "t1", "CREATE TABLE t1 (x INTEGER)"},
      {2, "t2", "CREATE TABLE t2 (x INTEGER); INSERT INTO t1 VALUES (1)"},
      {3, "broken", "CREATE TABLE t3 (x INTEGER); INSERT INTO no_such_table VALUES (1)"},
  };
  try {
    apply_migrations(db.get(), "m.db", steps);
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("migration to version 3 (broken) failed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(user_version(db.get()), 2);
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM t1"), 1);
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM sqlite_master WHERE name = 't3'"), 0);
  // Resuming with the broken step fixed applies only step 3.
  const migration fixed[] = {steps[0], steps[1], {3, "t3", "CREATE TABLE t3 (x INTEGER)"}};
  EXPECT_EQ(apply_migrations(db.get(), "m.db", fixed), 3);
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM t1"), 1);  // step 2 did not run again
}

TEST_F(Schema, ReadingAMissingStoreIsAClearErrorAndCreatesNothing) {
  try {
    open_store_for_reading(db_path());
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_EQ(std::string(e.what()), "no store at " + db_path() + ": run `llmtap serve` first");
  }
  EXPECT_FALSE(std::filesystem::exists(db_path()));
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

TEST_F(Schema, ReadingSomethingElseIsRefused) {
  std::filesystem::create_directories(dir_ / "data");
  {
    db_ptr raw = test::raw_open(db_path());  // a valid but empty SQLite file
    exec(raw.get(), "CREATE TABLE other (x)");
  }
  EXPECT_THROW(open_store_for_reading(db_path()), store_error);
  std::ofstream(dir_ / "garbage.db") << "this is not a database, just text padding it out......";
  EXPECT_THROW(open_store_for_reading((dir_ / "garbage.db").string()), store_error);
}

}  // namespace
}  // namespace llmtap::store
