#include "store/writer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "core/clock.h"
#include "eventually.h"
#include "store/schema.h"
#include "test_util.h"

namespace llmtap::store {
namespace {

using test::make_call;
using test::scalar_int;
using test::scalar_text;

class Writer : public test::temp_dir_test {
 protected:
  db_ptr reader() { return open_store_for_reading(db_path()); }
};

using llmtap::test_support::eventually;

TEST_F(Writer, WritesEveryOfferedCallInBatchesAndStopDrains) {
  store_writer w(db_path(), 10000, 16, std::chrono::milliseconds(5));
  w.start();
  // Several producers at once, as the pipeline and tests might.
  std::vector<std::thread> producers;
  for (int p = 0; p < 4; ++p) {
    producers.emplace_back([&w, p] {
      for (int i = 0; i < 250; ++i) {
        EXPECT_TRUE(w.offer(make_call(static_cast<uint64_t>(p * 1000 + i), 1'700'000'000'000, 5)));
      }
    });
  }
  for (auto& t : producers) t.join();
  w.stop();
  EXPECT_EQ(w.written(), 1000u);
  EXPECT_EQ(w.dropped(), 0u);
  EXPECT_EQ(w.errors(), 0u);
  db_ptr db = reader();
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM calls"), 1000);
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(DISTINCT id) FROM calls"), 1000);
}

// Rows go 16 to an INSERT and the rest one by one: every row must get its own values, in both.
TEST_F(Writer, RowsSharingAnInsertKeepTheirOwnValues) {
  store_writer w(db_path(), 100, 64);
  for (uint64_t i = 1; i <= 37; ++i) {  // one batch: two 16-row INSERTs, then 5 single rows
    auto e = make_call(i, 1'000 + static_cast<int64_t>(i), static_cast<int64_t>(i));
    e->model_served = "model-" + std::to_string(i);
    e->usage.input_tokens = static_cast<int64_t>(i) * 10;
    if (i % 3 == 0)
      e->usage.output_tokens = -1;  // NULL in some rows, next to non-NULL ones
    else
      e->usage.output_tokens = static_cast<int64_t>(i);
    ASSERT_TRUE(w.offer(std::move(e)));
  }
  w.stop();
  EXPECT_EQ(w.written(), 37u);
  db_ptr db = reader();
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM calls"), 37);
  for (int i = 1; i <= 37; ++i) {
    auto q = [i](const char* col) {
      return fmt::format("SELECT {} FROM calls WHERE id = {}", col, i);
    };
    EXPECT_EQ(scalar_text(db.get(), q("model_served")), "model-" + std::to_string(i)) << i;
    EXPECT_EQ(scalar_int(db.get(), q("ts_unix_ms")), 1000 + i) << i;
    EXPECT_EQ(scalar_int(db.get(), q("duration_us")), i * 1000) << i;
    EXPECT_EQ(scalar_int(db.get(), q("input_tokens")), i * 10) << i;
    EXPECT_EQ(scalar_int(db.get(), q("output_tokens IS NULL")), i % 3 == 0 ? 1 : 0) << i;
  }
  // Rows are stored in the order they were offered.
  EXPECT_EQ(scalar_int(db.get(), "SELECT count(*) FROM calls WHERE seq = id"), 37);
}

TEST_F(Writer, StopWithoutStartStillDrains) {
  store_writer w(db_path(), 100, 4);
  for (uint64_t i = 1; i <= 10; ++i) ASSERT_TRUE(w.offer(make_call(i, 1000, 1)));
  w.stop();
  EXPECT_EQ(w.written(), 10u);
  EXPECT_EQ(scalar_int(reader().get(), "SELECT sum(id) FROM calls"), 55);
}

TEST_F(Writer, FullQueueDropsAndCountsWithoutBlocking) {
  store_writer w(db_path(), 4, 512);  // not started: nothing drains the queue yet
  int accepted = 0;
  for (uint64_t i = 0; i < 6; ++i) accepted += w.offer(make_call(i, 1000, 1)) ? 1 : 0;
  EXPECT_EQ(accepted, 4);
  EXPECT_EQ(w.dropped(), 2u);
  EXPECT_FALSE(w.offer(nullptr));
  w.stop();
  EXPECT_EQ(w.written(), 4u);
  EXPECT_FALSE(w.offer(make_call(9, 1000, 1)));  // after stop: refused and counted
  EXPECT_EQ(w.dropped(), 3u);
  EXPECT_EQ(scalar_int(reader().get(), "SELECT count(*) FROM calls"), 4);
}

TEST_F(Writer, UnknownValuesAreStoredAsNull) {
  {
    store_writer w(db_path());
    w.offer(std::make_shared<exchange>());  // everything unknown / not happened
  }                                         // destructor stops and drains
  db_ptr db = reader();
  for (const char* col : {"method",
                          "path",
                          "upstream",
                          "deployment",
                          "organization",
                          "project",
                          "key_label",
                          "key_hash",
                          "service",
                          "env",
                          "version",
                          "retry_count",
                          "status",
                          "model_requested",
                          "model_served",
                          "finish_reason",
                          "error_type",
                          "error_code",
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
                          "last_byte_us"}) {
    EXPECT_EQ(scalar_int(db.get(), fmt::format("SELECT {} IS NULL FROM calls", col)), 1) << col;
  }
  EXPECT_EQ(scalar_text(db.get(), "SELECT endpoint FROM calls"), "other");
  EXPECT_EQ(scalar_text(db.get(), "SELECT outcome FROM calls"), "ok");
  EXPECT_EQ(scalar_int(db.get(), "SELECT stream FROM calls"), 0);
  EXPECT_EQ(scalar_int(db.get(), "SELECT request_bytes FROM calls"), 0);
}

TEST_F(Writer, EveryFieldRoundTrips) {
  auto e = std::make_shared<exchange>();
  e->id = (uint64_t{3} << 48) | 17;
  e->wall_start_unix_ns = 1'700'000'000'123'456'789;
  e->method = "POST";
  e->path = "/openai/deployments/prod-4o/chat/completions";
  e->upstream = "azure";
  e->deployment = "prod-4o";
  e->ep = endpoint::chat_completions;
  e->organization = "org-abc";
  e->project = "proj_1";
  e->key_label = "sk-...abcd";
  e->key_hash = "3f2a1b9c";
  e->service = "billing";
  e->env = "prod";
  e->version = "1.2.3";
  e->retry_count = 2;
  e->request_bytes = 1234;
  e->response_bytes = 5678;
  e->status = 429;
  e->stream = true;
  e->stream_requested = true;
  e->include_usage_requested = false;
  e->event_count = 12;
  e->model_requested = "gpt-4o";
  e->model_served = "gpt-4o-2024-08-06";
  e->finish_reason = "stop";
  e->error_type = "rate_limit_exceeded";
  e->error_code = "rate_limit";
  e->result = outcome::upstream_disconnected;
  e->proxy_error = "upstream closed mid-stream";
  e->request_id = "req_123";
  e->processing_ms = 321;
  e->limits = {10000, 2000000, 9999, 1999000, 6, 360000};
  e->usage = {100, 20, 120, 64, 8, 3, 4, usage_source::estimated};
  const int64_t before_ms = wall_ns() / 1'000'000;
  {
    store_writer w(db_path());
    w.start();
    w.offer(e);
  }
  const int64_t after_ms = wall_ns() / 1'000'000;
  db_ptr db = reader();
  auto i = [&](const char* col) {
    return scalar_int(db.get(), fmt::format("SELECT {} FROM calls", col));
  };
  auto s = [&](const char* col) {
    return scalar_text(db.get(), fmt::format("SELECT {} FROM calls", col));
  };
  EXPECT_EQ(i("id"), static_cast<int64_t>((uint64_t{3} << 48) | 17));
  EXPECT_EQ(i("ts_unix_ms"), 1'700'000'000'123);
  EXPECT_EQ(s("method"), "POST");
  EXPECT_EQ(s("path"), "/openai/deployments/prod-4o/chat/completions");
  EXPECT_EQ(s("upstream"), "azure");
  EXPECT_EQ(s("deployment"), "prod-4o");
  EXPECT_EQ(s("endpoint"), "chat.completions");
  EXPECT_EQ(s("organization"), "org-abc");
  EXPECT_EQ(s("project"), "proj_1");
  EXPECT_EQ(s("key_label"), "sk-...abcd");
  EXPECT_EQ(s("key_hash"), "3f2a1b9c");
  EXPECT_EQ(s("service"), "billing");
  EXPECT_EQ(s("env"), "prod");
  EXPECT_EQ(s("version"), "1.2.3");
  EXPECT_EQ(i("retry_count"), 2);
  EXPECT_EQ(i("request_bytes"), 1234);
  EXPECT_EQ(i("response_bytes"), 5678);
  EXPECT_EQ(i("status"), 429);
  EXPECT_EQ(i("stream"), 1);
  EXPECT_EQ(i("stream_requested"), 1);
  EXPECT_EQ(i("include_usage_requested"), 0);
  EXPECT_EQ(i("event_count"), 12);
  EXPECT_EQ(s("model_requested"), "gpt-4o");
  EXPECT_EQ(s("model_served"), "gpt-4o-2024-08-06");
  EXPECT_EQ(s("finish_reason"), "stop");
  EXPECT_EQ(s("error_type"), "rate_limit_exceeded");
  EXPECT_EQ(s("error_code"), "rate_limit");
  EXPECT_EQ(s("outcome"), "upstream_disconnected");
  EXPECT_EQ(s("proxy_error"), "upstream closed mid-stream");
  EXPECT_EQ(s("request_id"), "req_123");
  EXPECT_EQ(i("processing_ms"), 321);
  EXPECT_EQ(i("ratelimit_limit_requests"), 10000);
  EXPECT_EQ(i("ratelimit_limit_tokens"), 2000000);
  EXPECT_EQ(i("ratelimit_remaining_requests"), 9999);
  EXPECT_EQ(i("ratelimit_remaining_tokens"), 1999000);
  EXPECT_EQ(i("ratelimit_reset_requests_ms"), 6);
  EXPECT_EQ(i("ratelimit_reset_tokens_ms"), 360000);
  EXPECT_EQ(i("input_tokens"), 100);
  EXPECT_EQ(i("output_tokens"), 20);
  EXPECT_EQ(i("total_tokens"), 120);
  EXPECT_EQ(i("cached_input_tokens"), 64);
  EXPECT_EQ(i("reasoning_tokens"), 8);
  EXPECT_EQ(i("audio_input_tokens"), 3);
  EXPECT_EQ(i("audio_output_tokens"), 4);
  EXPECT_EQ(s("usage_source"), "estimated");
  EXPECT_EQ(i("cost_nano_usd"), std::nullopt);
  // The writer's clock at the transaction, not the call's start (query.cpp searches on it).
  EXPECT_GE(i("written_unix_ms").value_or(0), before_ms);
  EXPECT_LE(i("written_unix_ms").value_or(0), after_ms);
}

TEST_F(Writer, TimingsAreMicrosecondsSinceAccepted) {
  auto e = std::make_shared<exchange>();
  const int64_t a = 5'000'000'000;
  e->t.accepted = a;
  e->t.upstream_connect_start = a + 1'500;  // 1.5 us -> 1
  e->t.upstream_connected = a + 250'000;    // 250 us
  e->t.request_sent = a + 300'999;          // 300.999 us -> 300
  e->t.first_byte = a + 12'345'678;         // 12.345678 ms -> 12345 us
  e->t.first_token = 0;                     // not a stream: never happened
  e->t.last_byte = a + 1'500'000'000;       // 1.5 s
  e->inside_ns = 42'999;
  {
    store_writer w(db_path());
    w.offer(e);
  }
  db_ptr db = reader();
  auto i = [&](const char* col) {
    return scalar_int(db.get(), fmt::format("SELECT {} FROM calls", col));
  };
  EXPECT_EQ(i("connect_start_us"), 1);
  EXPECT_EQ(i("connected_us"), 250);
  EXPECT_EQ(i("request_sent_us"), 300);
  EXPECT_EQ(i("first_byte_us"), 12345);
  EXPECT_EQ(i("first_token_us"), std::nullopt);
  EXPECT_EQ(i("last_byte_us"), 1'500'000);
  EXPECT_EQ(i("duration_us"), 1'500'000);
  EXPECT_EQ(i("inside_us"), 42);
}

TEST_F(Writer, AFailedBatchIsCountedAndTheThreadCarriesOn) {
  store_writer w(db_path(), 100, 8, std::chrono::milliseconds(1));
  w.start();
  ASSERT_TRUE(w.offer(make_call(1, 1000, 1)));
  ASSERT_TRUE(eventually([&] { return w.written() == 1; }));
  // Pull the table out from under the writer: its next batch must fail, not kill the thread.
  db_ptr other = test::raw_open(db_path());
  exec(other.get(), "ALTER TABLE calls RENAME TO calls_away");
  ASSERT_TRUE(w.offer(make_call(2, 1000, 1)));
  ASSERT_TRUE(eventually([&] { return w.errors() == 1; }));
  EXPECT_EQ(w.failed_rows(), 1u);
  exec(other.get(), "ALTER TABLE calls_away RENAME TO calls");
  ASSERT_TRUE(w.offer(make_call(3, 1000, 1)));
  w.stop();
  EXPECT_EQ(w.written(), 2u);
  EXPECT_EQ(w.errors(), 1u);
  EXPECT_EQ(scalar_text(other.get(),
                        "SELECT group_concat(id, ',') FROM (SELECT id FROM calls ORDER BY id)"),
            "1,3");
}

TEST_F(Writer, ARowFailingMidInsertLosesItsWholeBatchAndNoMore) {
  {
    db_ptr db = open_store_for_writing(db_path());
    exec(db.get(),
         "CREATE TRIGGER refuse_13 BEFORE INSERT ON calls WHEN NEW.id = 13 "
         "BEGIN SELECT RAISE(ABORT, 'refused'); END");
  }
  store_writer w(db_path(), 100, 20);  // not started: one batch of 20 on stop, then one of 5
  for (uint64_t id = 1; id <= 25; ++id) ASSERT_TRUE(w.offer(make_call(id, 1000, 1)));
  w.stop();
  // Row 13 sits in the middle of a multi-row INSERT: rows 1-12 of its statement and batch are
  // rolled back with it, not committed; the next batch (21-25) is written.
  EXPECT_EQ(w.errors(), 1u);
  EXPECT_EQ(w.failed_rows(), 20u);
  EXPECT_EQ(w.written(), 5u);
  db_ptr db = reader();
  EXPECT_EQ(scalar_text(db.get(), "SELECT group_concat(id, ',') FROM calls"), "21,22,23,24,25");
}

TEST_F(Writer, UnusablePathFailsAtConstruction) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ / "file") << "x";
  try {
    store_writer w((dir_ / "file" / "llmtap.db").string());
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create directory"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmtap::store
