#include "store/query.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/schema.h"
#include "store/writer.h"
#include "test_util.h"

namespace llmtap::store {
namespace {

// 2023-11-14T22:13:20Z
constexpr int64_t T = 1'700'000'000'000;
constexpr int64_t H = 3'600'000;
constexpr int64_t D = 24 * H;

struct spec {
  uint64_t id;
  int64_t ts_ms;
  const char* served;
  const char* requested;
  const char* service;
  const char* key_label;
  const char* key_hash;
  endpoint ep;
  uint16_t status;
  outcome result;
  int64_t in, out;
  int64_t duration_ms;  // 0 = never finished (no last byte)
  int64_t cost_micro;   // -1 = unpriced
};

class Query : public test::temp_dir_test {
 protected:
  void write(const std::vector<spec>& specs) {
    {
      store_writer w(db_path(), 1000, 3);  // batches of 3: more than one transaction
      w.start();
      for (const spec& s : specs) {
        auto e = test::make_call(s.id, s.ts_ms, s.duration_ms);
        if (s.duration_ms == 0) e->t.last_byte = 0;
        e->model_served = s.served;
        e->model_requested = s.requested;
        e->service = s.service;
        e->key_label = s.key_label;
        e->key_hash = s.key_hash;
        e->ep = s.ep;
        e->status = s.status;
        e->result = s.result;
        e->usage.input_tokens = s.in;
        e->usage.output_tokens = s.out;
        ASSERT_TRUE(w.offer(e));
      }
      w.stop();
      ASSERT_EQ(w.written(), specs.size());
    }
    // Pricing is not in the exchange yet; set cost the way a later component will.
    db_ptr db = test::raw_open(db_path());
    for (const spec& s : specs) {
      if (s.cost_micro < 0) continue;
      exec(db.get(),
           fmt::format("UPDATE calls SET cost_nano_usd = {} WHERE id = {}", s.cost_micro * 1000, s.id)
               .c_str());
    }
  }

  // The shared data set; expected values below are computed by hand from it.
  void write_fixture() {
    write({
        {1, T, "gpt-4o", "gpt-4o", "api", "sk-...abcd", "3f2a1b99", endpoint::chat_completions, 200,
         outcome::ok, 100, 10, 100, 1500},
        {2, T + H, "gpt-4o", "gpt-4o", "api", "sk-...abcd", "3f2a1b99", endpoint::chat_completions,
         200, outcome::ok, 200, 20, 200, 2500},
        // same last four as key 1, a different key
        {3, T + D, "gpt-4o", "gpt-4o", "batch", "sk-...abcd", "9e8d7c11",
         endpoint::chat_completions, 429, outcome::ok, -1, -1, 300, -1},
        {4, T + D + H, "", "gpt-4o-mini", "", "sk-...wxyz", "aaaaaa00", endpoint::embeddings, 200,
         outcome::ok, 50, 0, 400, -1},
        {5, T + 2 * D, "", "", "api", "", "", endpoint::other, 0, outcome::upstream_unreachable, -1,
         -1, 0, -1},
    });
  }

  report_rows run(report_group by, std::optional<int64_t> since = std::nullopt) {
    return query_report(db_path(), report_query{since, by});
  }
};

void expect_row(const report_row& r, const std::string& key, int64_t requests, int64_t errors,
                int64_t in, int64_t out, std::optional<double> cost, std::optional<double> p50,
                std::optional<double> p95) {
  SCOPED_TRACE(key);
  EXPECT_EQ(r.key, key);
  EXPECT_EQ(r.requests, requests);
  EXPECT_EQ(r.errors, errors);
  EXPECT_EQ(r.input_tokens, in);
  EXPECT_EQ(r.output_tokens, out);
  ASSERT_EQ(r.cost_usd.has_value(), cost.has_value());
  if (cost) {
    EXPECT_DOUBLE_EQ(*r.cost_usd, *cost);
  }
  EXPECT_EQ(r.p50_ms, p50);
  EXPECT_EQ(r.p95_ms, p95);
}

TEST_F(Query, ByModelServedElseRequestedElseUnknown) {
  write_fixture();
  report_rows r = run(report_group::model);
  ASSERT_EQ(r.rows.size(), 3u);
  // durations 100, 200, 300: nearest rank p50 = 2nd = 200, p95 = 3rd = 300; call 3 unpriced
  expect_row(r.rows[0], "gpt-4o", 3, 1, 300, 30, 0.004, 200.0, 300.0);
  // ties on requests are sorted by key: '(' sorts before letters
  expect_row(r.rows[1], "(unknown)", 1, 1, 0, 0, std::nullopt, std::nullopt, std::nullopt);
  expect_row(r.rows[2], "gpt-4o-mini", 1, 0, 50, 0, std::nullopt, 400.0, 400.0);
  // totals: percentiles over all four finished calls, not an average of the rows
  expect_row(r.totals, "total", 5, 2, 350, 30, 0.004, 200.0, 400.0);
}

TEST_F(Query, ByServiceWithNoneForEmpty) {
  write_fixture();
  report_rows r = run(report_group::service);
  ASSERT_EQ(r.rows.size(), 3u);
  expect_row(r.rows[0], "api", 3, 1, 300, 30, 0.004, 100.0, 200.0);
  expect_row(r.rows[1], "(none)", 1, 0, 50, 0, std::nullopt, 400.0, 400.0);
  expect_row(r.rows[2], "batch", 1, 1, 0, 0, std::nullopt, 300.0, 300.0);
}

TEST_F(Query, ByKeyTellsApartKeysWithTheSameLastFour) {
  write_fixture();
  report_rows r = run(report_group::key);
  ASSERT_EQ(r.rows.size(), 4u);
  expect_row(r.rows[0], "sk-...abcd (3f2a1b)", 2, 0, 300, 30, 0.004, 100.0, 200.0);
  expect_row(r.rows[1], "(none)", 1, 1, 0, 0, std::nullopt, std::nullopt, std::nullopt);
  expect_row(r.rows[2], "sk-...abcd (9e8d7c)", 1, 1, 0, 0, std::nullopt, 300.0, 300.0);
  expect_row(r.rows[3], "sk-...wxyz (aaaaaa)", 1, 0, 50, 0, std::nullopt, 400.0, 400.0);
}

TEST_F(Query, ByEndpointName) {
  write_fixture();
  report_rows r = run(report_group::endpoint);
  ASSERT_EQ(r.rows.size(), 3u);
  expect_row(r.rows[0], "chat.completions", 3, 1, 300, 30, 0.004, 200.0, 300.0);
  expect_row(r.rows[1], "embeddings", 1, 0, 50, 0, std::nullopt, 400.0, 400.0);
  expect_row(r.rows[2], "other", 1, 1, 0, 0, std::nullopt, std::nullopt, std::nullopt);
}

TEST_F(Query, ByUtcDayInDateOrder) {
  write_fixture();
  report_rows r = run(report_group::day);
  ASSERT_EQ(r.rows.size(), 3u);
  // 22:13 and 23:13 UTC on the 14th are the same day
  expect_row(r.rows[0], "2023-11-14", 2, 0, 300, 30, 0.004, 100.0, 200.0);
  expect_row(r.rows[1], "2023-11-15", 2, 1, 50, 0, std::nullopt, 300.0, 400.0);
  expect_row(r.rows[2], "2023-11-16", 1, 1, 0, 0, std::nullopt, std::nullopt, std::nullopt);
}

TEST_F(Query, SinceKeepsCallsAtOrAfterTheBound) {
  write_fixture();
  report_rows r = run(report_group::model, T + D);  // calls 3, 4, 5
  ASSERT_EQ(r.rows.size(), 3u);
  // gpt-4o is now only the unpriced call 3: cost is unknown, not $0
  expect_row(r.rows[0], "(unknown)", 1, 1, 0, 0, std::nullopt, std::nullopt, std::nullopt);
  expect_row(r.rows[1], "gpt-4o", 1, 1, 0, 0, std::nullopt, 300.0, 300.0);
  expect_row(r.rows[2], "gpt-4o-mini", 1, 0, 50, 0, std::nullopt, 400.0, 400.0);
  expect_row(r.totals, "total", 3, 2, 50, 0, std::nullopt, 300.0, 400.0);

  report_rows none = run(report_group::model, T + 3 * D);
  EXPECT_TRUE(none.rows.empty());
  expect_row(none.totals, "total", 0, 0, 0, 0, std::nullopt, std::nullopt, std::nullopt);
}

// Rows put in by hand, in seq order, with the writer's clock (written_unix_ms) chosen: NULL for
// rows from a version-1 file.
class QueryScan : public Query {
 protected:
  void put(int64_t ts_ms, std::optional<int64_t> written_ms) {
    if (!db_) db_ = open_store_for_writing(db_path());
    exec(db_.get(),
         fmt::format("INSERT INTO calls (id, ts_unix_ms, endpoint, request_bytes, response_bytes, "
                     "stream, stream_requested, include_usage_requested, event_count, outcome, "
                     "written_unix_ms) VALUES ({}, {}, 'other', 0, 0, 0, 0, 0, 0, 'ok', {})",
                     ++id_, ts_ms, written_ms ? std::to_string(*written_ms) : "NULL")
             .c_str());
  }
  int64_t since(int64_t since_ms) { return run(report_group::model, since_ms).totals.requests; }

  db_ptr db_;
  int id_ = 0;
};

TEST_F(QueryScan, SinceStartsFromTheFirstRowWrittenNearTheBound) {
  constexpr int64_t M = 60'000;
  for (int i = 0; i < 200; ++i) put(T - D + i * M, T - D + i * M + 1000);  // a day ago
  // A row claiming to start after the bound yet written long before it cannot be a real call
  // (written before it began): it is where the search skips rows, so it is not counted.
  put(T + 5, T - H);
  // The wall clock stepped back 5 minutes (inside the 10-minute margin): still counted.
  put(T + 1, T - 5 * M);
  put(T - H, T + 1000);  // a long call that started before the bound: written late, not counted
  put(T + 2, T + 3000);
  put(T, T + 4000);  // at the bound: counted
  EXPECT_EQ(since(T), 3);
  EXPECT_EQ(since(T + 2), 1);
  EXPECT_EQ(since(T + 3), 0);
  // Without a bound every row is read, the planted one included.
  EXPECT_EQ(run(report_group::model).totals.requests, 205);
  // A bound far back reaches rows the search would skip for a later bound.
  EXPECT_EQ(since(T - D), 205);
}

TEST_F(QueryScan, RowsFromAVersion1FileAreReadWhenTheyMayQualify) {
  put(T - 2 * D, std::nullopt);
  put(T - D - H, std::nullopt);
  put(T - D, T - D);
  put(T + 4, T + 5);
  EXPECT_EQ(since(T - D - 2 * H), 3);
  EXPECT_EQ(since(T), 1);
  EXPECT_EQ(since(T - 3 * D), 4);
}

TEST_F(QueryScan, AnEmptyStoreWithABound) {
  open_store_for_writing(db_path());
  EXPECT_EQ(since(T), 0);
}

TEST_F(Query, PercentilesAreNearestRankAndZeroCostIsPriced) {
  std::vector<spec> specs;
  for (int i = 1; i <= 20; ++i) {
    // durations 20, 19, ..., 1 ms: written out of order on purpose
    specs.push_back({static_cast<uint64_t>(i), T, "m", "m", "s", "", "", endpoint::completions, 200,
                     outcome::ok, 1, 1, 21 - i, 0});
  }
  write(specs);
  report_rows r = run(report_group::model);
  ASSERT_EQ(r.rows.size(), 1u);
  // n = 20: p50 rank ceil(10) = 10th smallest = 10 ms; p95 rank ceil(19) = 19 ms
  expect_row(r.rows[0], "m", 20, 0, 20, 20, 0.0, 10.0, 19.0);
}

TEST_F(Query, NearestRank) {
  EXPECT_EQ(nearest_rank({7}, 50), 7);
  EXPECT_EQ(nearest_rank({7}, 95), 7);
  EXPECT_EQ(nearest_rank({1, 2}, 50), 1);
  EXPECT_EQ(nearest_rank({1, 2}, 95), 2);
  std::vector<int64_t> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(nearest_rank(hundred, 50), 50);
  EXPECT_EQ(nearest_rank(hundred, 95), 95);
  EXPECT_EQ(nearest_rank(hundred, 100), 100);
}

TEST_F(Query, MissingStoreIsAClearErrorNotAnEmptyReport) {
  try {
    run(report_group::model);
    FAIL() << "expected store_error";
  } catch (const store_error& e) {
    EXPECT_EQ(std::string(e.what()), "no store at " + db_path() + ": run `llmtap serve` first");
  }
  EXPECT_FALSE(std::filesystem::exists(db_path()));
}

TEST_F(Query, ReadsWhileTheWriterIsOpen) {
  store_writer w(db_path(), 100, 1, std::chrono::milliseconds(1));
  w.start();
  w.offer(test::make_call(1, T, 5));
  for (int i = 0; i < 500 && w.written() < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  report_rows r = run(report_group::model);
  EXPECT_EQ(r.totals.requests, 1);
  w.stop();
}

TEST(ReportGroup, ParsesTheFiveNames) {
  EXPECT_EQ(parse_report_group("model"), report_group::model);
  EXPECT_EQ(parse_report_group("service"), report_group::service);
  EXPECT_EQ(parse_report_group("key"), report_group::key);
  EXPECT_EQ(parse_report_group("endpoint"), report_group::endpoint);
  EXPECT_EQ(parse_report_group("day"), report_group::day);
  EXPECT_EQ(parse_report_group("Model"), std::nullopt);
  EXPECT_EQ(parse_report_group(""), std::nullopt);
}

}  // namespace
}  // namespace llmtap::store
