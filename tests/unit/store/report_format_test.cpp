#include "store/report_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace llmtap::store {
namespace {

report_rows sample() {
  report_rows r;
  r.rows.push_back({"gpt-4o", 1234567, 12, 9876543, 123456, 12.3456789, 812.25, 2301.5});
  r.rows.push_back({"team \"a\", prod", 3, 0, 10, 5, std::nullopt, std::nullopt, std::nullopt});
  r.totals = {"total", 1234570, 12, 9876553, 123461, 12.3456789, 812.25, 2301.5};
  return r;
}

TEST(CsvField, QuotesPerRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field("sk-...abcd (3f2a1b)"), "sk-...abcd (3f2a1b)");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field(""), "");
}

TEST(ReportCsv, HeaderRowsAndTotalsWithEmptyUnknowns) {
  EXPECT_EQ(format_report_csv(sample()),
            "key,requests,errors,input_tokens,output_tokens,cost_usd,p50_ms,p95_ms\n"
            "gpt-4o,1234567,12,9876543,123456,12.345679,812.250,2301.500\n"
            "\"team \"\"a\"\", prod\",3,0,10,5,,,\n"
            "total,1234570,12,9876553,123461,12.345679,812.250,2301.500\n");
}

TEST(ReportJson, OneDocumentWithTheDocumentedShape) {
  auto j = nlohmann::json::parse(format_report_json(sample()));
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j.size(), 2u);
  ASSERT_EQ(j["rows"].size(), 2u);
  const auto& first = j["rows"][0];
  EXPECT_EQ(first["key"], "gpt-4o");
  EXPECT_EQ(first["requests"], 1234567);
  EXPECT_EQ(first["errors"], 12);
  EXPECT_EQ(first["input_tokens"], 9876543);
  EXPECT_EQ(first["output_tokens"], 123456);
  EXPECT_DOUBLE_EQ(first["cost_usd"].get<double>(), 12.3456789);
  EXPECT_DOUBLE_EQ(first["p50_ms"].get<double>(), 812.25);
  EXPECT_DOUBLE_EQ(first["p95_ms"].get<double>(), 2301.5);
  const auto& second = j["rows"][1];
  EXPECT_EQ(second["key"], "team \"a\", prod");
  EXPECT_TRUE(second["cost_usd"].is_null());
  EXPECT_TRUE(second["p50_ms"].is_null());
  EXPECT_TRUE(second["p95_ms"].is_null());
  EXPECT_EQ(j["totals"]["key"], "total");
  EXPECT_EQ(j["totals"]["requests"], 1234570);
  EXPECT_EQ(j["totals"].size(), 8u);
}

TEST(ReportJson, EmptyReportStillHasRowsAndTotals) {
  report_rows r;
  r.totals.key = "total";
  auto j = nlohmann::json::parse(format_report_json(r));
  EXPECT_TRUE(j["rows"].is_array());
  EXPECT_TRUE(j["rows"].empty());
  EXPECT_EQ(j["totals"]["requests"], 0);
  EXPECT_TRUE(j["totals"]["cost_usd"].is_null());
}

TEST(ReportFormat, TinyCostsAreNotShownAsZero) {
  report_rows r;
  r.rows.push_back({"gpt-5-nano", 1, 0, 20, 5, 3.0e-6, 1.0, 1.0});
  r.totals = r.rows[0];
  r.totals.key = "total";
  auto t = format_report_table(r, report_group::model);
  EXPECT_NE(t.find("$0.0000030"), std::string::npos) << t;
  EXPECT_EQ(t.find("$0.0000 "), std::string::npos) << t;  // no cell that reads as zero
}

TEST(ReportTable, AlignedWithThousandsDashesAndTotals) {
  std::string t = format_report_table(sample(), report_group::model);
  EXPECT_EQ(t,
            "model            requests  errors  input tok  output tok      cost  p50 ms  p95 ms\n"
            "----------------------------------------------------------------------------------\n"
            "gpt-4o          1,234,567      12  9,876,543     123,456  $12.3457   812.2  2301.5\n"
            "team \"a\", prod          3       0         10           5         -       -       -\n"
            "----------------------------------------------------------------------------------\n"
            "total           1,234,570      12  9,876,553     123,461  $12.3457   812.2  2301.5\n");
}

TEST(ReportTable, SaysWhenThereIsNothing) {
  report_rows r;
  r.totals.key = "total";
  std::string t = format_report_table(r, report_group::day);
  EXPECT_EQ(t.rfind("day", 0), 0u);
  EXPECT_NE(t.find("(no calls recorded in this period)"), std::string::npos);
}

TEST(WithThousands, GroupsOfThree) {
  EXPECT_EQ(with_thousands(0), "0");
  EXPECT_EQ(with_thousands(999), "999");
  EXPECT_EQ(with_thousands(1000), "1,000");
  EXPECT_EQ(with_thousands(1234567), "1,234,567");
  EXPECT_EQ(with_thousands(-1234), "-1,234");
}

TEST(ParseDuration, UnitsAndSums) {
  EXPECT_EQ(parse_duration_ms("90s"), 90'000);
  EXPECT_EQ(parse_duration_ms("30m"), 1'800'000);
  EXPECT_EQ(parse_duration_ms("24h"), 86'400'000);
  EXPECT_EQ(parse_duration_ms("7d"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("1w"), 604'800'000);
  EXPECT_EQ(parse_duration_ms("1h30m"), 5'400'000);
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* bad : {"", "7", "d", "7x", "-1h", "1.5h", "0s", "1h ", " 1h", "1H",
                          "99999999999999999999d", "100000w"}) {
    EXPECT_EQ(parse_duration_ms(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace llmtap::store
