// Client-side aggregation of DogStatsD metrics: what merges, what stays apart, and how long packed
// lines are cut.
#include "sinks/dogstatsd/line_aggregator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace llmtap::sinks {
namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = s.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(s.substr(start, nl - start));
  EXPECT_EQ(start, s.size()) << "every line ends in a newline";
  return out;
}

TEST(LineAggregator, DistributionsPackTheirValuesInArrivalOrder) {
  line_aggregator a;
  for (const char* v : {"12", "40", "7"})
    a.add(a.group("env:prod,model:a"), "openai.tokens.prompt", 'd', nullptr, v);
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 3u);
  EXPECT_EQ(out, "openai.tokens.prompt:12:40:7|d|#env:prod,model:a\n");
  EXPECT_TRUE(a.empty());
}

TEST(LineAggregator, DifferentTagsTypesOrExtraTagsStayApartInFirstSeenOrder) {
  line_aggregator a;
  size_t ga = a.group("model:a"), gb = a.group("model:b");
  EXPECT_EQ(a.group("model:a"), ga);
  a.add(ga, "m", 'd', nullptr, "1");
  a.add(gb, "m", 'd', nullptr, "2");
  a.add(ga, "m", 'd', nullptr, "3");
  a.add(ga, "m", 'h', nullptr, "4");
  a.add(ga, "m", 'd', "openai.estimated:true", "5");
  std::string est = "openai.estimated:true";  // the same text at another address merges
  a.add(ga, "m", 'd', est.c_str(), "6");
  a.add(ga, "n", 'd', nullptr, "7");
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 7u);
  EXPECT_EQ(split(out), (std::vector<std::string>{"m:1:3|d|#model:a", "m:4|h|#model:a",
                                                  "m:5:6|d|#model:a,openai.estimated:true",
                                                  "n:7|d|#model:a", "m:2|d|#model:b"}));
}

TEST(LineAggregator, CountsAreSummedAndGaugesKeepTheLatestValue) {
  line_aggregator a;
  size_t g = a.group("e:1");
  for (const char* v : {"1", "1", "2", "0.5"}) a.add(g, "openai.request.error", 'c', nullptr, v);
  for (const char* v : {"900", "850"}) a.add(g, "openai.ratelimit.tokens", 'g', nullptr, v);
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 6u);
  // An integer sum, and the one non-integer value packed after it.
  EXPECT_EQ(split(out), (std::vector<std::string>{"openai.request.error:4:0.5|c|#e:1",
                                                  "openai.ratelimit.tokens:850|g|#e:1"}));
}

TEST(LineAggregator, LongPackedLinesAreCutBetweenValuesToFitTheLimit) {
  line_aggregator a;
  std::string tags(60, 't');
  size_t g = a.group(tags);
  for (int i = 0; i < 200; ++i) a.add(g, "dur", 'd', "x:y", std::to_string(100000 + i));
  std::string out;
  EXPECT_EQ(a.take(out, 256), 200u);
  auto lines = split(out);
  ASSERT_GT(lines.size(), 1u);
  std::string suffix = "|d|#" + tags + ",x:y";
  std::vector<std::string> values;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 256u) << l;  // a datagram of 256 bytes holds it
    ASSERT_EQ(l.rfind("dur:", 0), 0u) << l;
    ASSERT_EQ(l.substr(l.size() - suffix.size()), suffix) << l;
    std::string v = l.substr(4, l.size() - 4 - suffix.size());
    for (size_t s = 0, c; s <= v.size(); s = c + 1) {
      c = v.find(':', s);
      if (c == std::string::npos) c = v.size();
      values.push_back(v.substr(s, c - s));
    }
  }
  ASSERT_EQ(values.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(values[i], std::to_string(100000 + i));
}

TEST(LineAggregator, AValueLongerThanTheLimitStillGoesOut) {
  line_aggregator a;
  size_t g = a.group("x");
  a.add(g, "big", 'd', nullptr, std::string(300, '9'));
  a.add(g, "big", 'd', nullptr, "1");
  std::string out;
  a.take(out, 100);
  EXPECT_EQ(split(out),
            (std::vector<std::string>{"big:" + std::string(300, '9') + "|d|#x", "big:1|d|#x"}));
}

TEST(LineAggregator, TakeForgetsSoTheNextFlushStartsEmpty) {
  line_aggregator a;
  a.add(a.group("x"), "m", 'd', nullptr, "1");
  std::string out;
  a.take(out, 1432);
  out.clear();
  a.add(a.group("x"), "m", 'd', nullptr, "2");
  EXPECT_EQ(a.take(out, 1432), 1u);
  EXPECT_EQ(out, "m:2|d|#x\n");
}

}  // namespace
}  // namespace llmtap::sinks
