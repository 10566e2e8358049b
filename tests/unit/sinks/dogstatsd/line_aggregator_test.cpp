// Client-side aggregation of DogStatsD lines: what merges, what stays apart, and how long packed
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
  a.add("openai.tokens.prompt:12|d|#env:prod,model:a\n");
  a.add(
      "openai.tokens.prompt:40|d|#env:prod,model:a\nopenai.tokens.prompt:7|d|#env:prod,model:a\n");
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 3u);
  EXPECT_EQ(out, "openai.tokens.prompt:12:40:7|d|#env:prod,model:a\n");
  EXPECT_TRUE(a.empty());
}

TEST(LineAggregator, DifferentTagsOrTypesStayApartInFirstSeenOrder) {
  line_aggregator a;
  a.add("m:1|d|#model:a\nm:2|d|#model:b\nm:3|d|#model:a\nm:4|h|#model:a\nn:5|d|#model:a\n");
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 5u);
  EXPECT_EQ(split(out), (std::vector<std::string>{"m:1:3|d|#model:a", "m:2|d|#model:b",
                                                  "m:4|h|#model:a", "n:5|d|#model:a"}));
}

TEST(LineAggregator, CountsAreSummedAndGaugesKeepTheLatestValue) {
  line_aggregator a;
  a.add("openai.request.error:1|c|#e:1\nopenai.ratelimit.tokens:900|g|#e:1\n");
  a.add("openai.request.error:1|c|#e:1\nopenai.ratelimit.tokens:850|g|#e:1\n");
  a.add("openai.request.error:2|c|#e:1\nopenai.request.error:0.5|c|#e:1\n");
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 6u);
  // An integer sum, and the one non-integer value packed after it.
  EXPECT_EQ(split(out), (std::vector<std::string>{"openai.request.error:4:0.5|c|#e:1",
                                                  "openai.ratelimit.tokens:850|g|#e:1"}));
}

TEST(LineAggregator, SetsAndMalformedLinesPassThroughUnchanged) {
  line_aggregator a;
  a.add("users:alice|s|#x\nusers:alice|s|#x\nno value here\nname-only:|\n");
  std::string out;
  EXPECT_EQ(a.take(out, 1432), 4u);
  EXPECT_EQ(split(out), (std::vector<std::string>{"users:alice|s|#x", "users:alice|s|#x",
                                                  "no value here", "name-only:|"}));
}

TEST(LineAggregator, LongPackedLinesAreCutBetweenValuesToFitTheLimit) {
  line_aggregator a;
  std::string tags = "|d|#" + std::string(60, 't');
  std::string in;
  for (int i = 0; i < 200; ++i) in += "dur:" + std::to_string(100000 + i) + tags + "\n";
  a.add(in);
  std::string out;
  EXPECT_EQ(a.take(out, 256), 200u);
  auto lines = split(out);
  ASSERT_GT(lines.size(), 1u);
  std::vector<std::string> values;
  for (const auto& l : lines) {
    EXPECT_LE(l.size(), 256u) << l;  // a datagram of 256 bytes holds it
    ASSERT_EQ(l.rfind("dur:", 0), 0u) << l;
    ASSERT_EQ(l.substr(l.size() - tags.size()), tags) << l;
    std::string v = l.substr(4, l.size() - 4 - tags.size());
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
  a.add("big:" + std::string(300, '9') + "|d|#x\nbig:1|d|#x\n");
  std::string out;
  a.take(out, 100);
  EXPECT_EQ(split(out),
            (std::vector<std::string>{"big:" + std::string(300, '9') + "|d|#x", "big:1|d|#x"}));
}

TEST(LineAggregator, TakeForgetsSoTheNextFlushStartsEmpty) {
  line_aggregator a;
  a.add("m:1|d|#x\n");
  std::string out;
  a.take(out, 1432);
  out.clear();
  a.add("m:2|d|#x\n");
  EXPECT_EQ(a.take(out, 1432), 1u);
  EXPECT_EQ(out, "m:2|d|#x\n");
}

}  // namespace
}  // namespace llmtap::sinks
