// Escaping as InfluxDB's line protocol reference gives it ("Special characters"): measurements
// escape commas and spaces; tag keys, tag values and field keys commas, equal signs and spaces;
// string field values double quotes and backslashes.
#include "sinks/line_protocol/line_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

namespace llmtap::sinks::lp {
namespace {

TEST(LineWriter, EscapesEachPositionAsTheReferenceSays) {
  std::string out;
  line_writer w(out);
  w.measurement("my meas,x=y");
  w.tag("tag key", "a,b=c d");
  w.field_str("f=k", R"(say "hi" \ bye)");
  w.field("v", 1.5);
  ASSERT_TRUE(w.end(1700000000000000000));
  EXPECT_EQ(
      out, R"(my\ meas\,x=y,tag\ key=a\,b\=c\ d f\=k="say \"hi\" \\ bye",v=1.5 1700000000000000000)"
           "\n");
}

TEST(LineWriter, TypesAndOmissions) {
  std::string out;
  line_writer w(out);
  w.measurement("m");
  w.tag("empty", "");  // a tag value cannot be empty: left out
  w.tag("model", "gpt-4o");
  w.field("f", 200.0);  // no `i`: still a float
  w.field_int("n", -3);
  w.field_bool("b", true);
  w.field("nan", std::numeric_limits<double>::quiet_NaN());  // cannot be written: skipped
  w.field("small", 0.00001);
  ASSERT_TRUE(w.end(0));  // no timestamp: the server's clock
  EXPECT_EQ(out, "m,model=gpt-4o f=200,n=-3i,b=true,small=1e-05\n");
}

TEST(LineWriter, LineBreaksNeverEndAPointEarly) {
  std::string out;
  line_writer w(out);
  w.measurement("m");
  w.tag("model", "a\nb");                 // control characters become '?' in tags
  w.field_str("s", "[\n{\"a\":1}\r\n]");  // JSON whitespace: still the same JSON
  ASSERT_TRUE(w.end(5));
  EXPECT_EQ(out, "m,model=a?b s=\"[ {\\\"a\\\":1}  ]\" 5\n");
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(LineWriter, TrailingBackslashInATagIsDropped) {
  std::string out;
  line_writer w(out);
  w.measurement("m");
  w.tag("model", "tr\\");  // would escape the comma after it
  w.tag("env", "prod");
  w.field_int("n", 1);
  ASSERT_TRUE(w.end(1));
  EXPECT_EQ(out, "m,model=tr,env=prod n=1i 1\n");
}

TEST(LineWriter, APointWithoutFieldsIsTakenBack) {
  std::string out = "before\n";
  line_writer w(out);
  w.measurement("m");
  w.tag("model", "x");
  EXPECT_FALSE(w.end(1));
  EXPECT_EQ(out, "before\n");
}

}  // namespace
}  // namespace llmtap::sinks::lp
