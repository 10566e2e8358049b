// Cross-check: for every name in the generated table, llmtap's cost equals the pinned
// @pydantic/genai-prices package's own calcPrice (run with node) on the same usage, to the
// nano-dollar (the package computes in floating point, llmtap exactly). This catches both a
// conversion bug in make_prices.js and a divergence in the cost rules (partition, fallbacks to
// the parent class, tiers, dated prices).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "test_support.h"

namespace llmtap::pricing::test {
namespace {

TEST(genai_prices, same_cost_for_every_name) {
  // Crosses the 272K long-context tiers; every token class the data prices is non-zero except
  // cached audio, which usage does not report apart (llmtap bills audio as uncached).
  token_usage u;
  u.input = 300'000;
  u.cached_input = 100'000;
  u.input_audio = 50'000;
  u.output = 20'000;
  u.output_audio = 5'000;
  const char* usage_json =
      R"({"input_tokens":300000,"cache_read_tokens":100000,)"
      R"("input_audio_tokens":50000,"cache_audio_read_tokens":0,"output_tokens":20000,)"
      R"("output_audio_tokens":5000})";
  const std::string cmd = "node '" LLMTAP_PRICING_TEST_DIR
                          "/genai_prices.js' '" LLMTAP_PRICING_PACKAGE_DIR
                          "' '" LLMTAP_PRICING_TEST_TABLE "' " +
                          std::to_string(kAfterAll) + " '" + usage_json + "'";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ASSERT_EQ(::pclose(p), 0) << "is node installed and scripts/setup.sh run? " << cmd;

  std::istringstream lines(out);
  std::string line;
  int compared = 0, unpriced = 0;
  while (std::getline(lines, line)) {
    const size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string name = line.substr(0, tab), theirs = line.substr(tab + 1);
    const cost_result ours = cost(name, u);
    ASSERT_EQ(theirs.find("error"), std::string::npos) << name << ": " << theirs;
    if (theirs == "null") {
      // The package's ids of its fine-tune entries ("ft:gpt-4o") match none of its own rules;
      // in llmtap they are names of the entries, which is harmless.
      EXPECT_TRUE(name.starts_with("ft:")) << name << ": genai-prices does not know it";
      continue;
    }
    if (!ours.priced) {
      // llmtap refuses what usage cannot bill exactly (image tokens, per-minute audio, output
      // tokens of an embedding model); genai-prices bills those tokens 0.
      EXPECT_TRUE(ours.reason.starts_with("image-token") || ours.reason.starts_with("priced per") ||
                  ours.reason == "no output price")
          << name << ": " << ours.reason;
      ++unpriced;
      continue;
    }
    const double theirs_nano = std::stod(theirs) * 1e9;
    EXPECT_LE(std::fabs(theirs_nano - static_cast<double>(ours.nano_usd)), 1.0)
        << name << ": llmtap " << ours.nano_usd << " nano-USD, genai-prices " << theirs;
    ++compared;
  }
  EXPECT_GT(compared, 150);
  std::printf("compared %d names with genai-prices; %d unpriced by llmtap by rule\n", compared,
              unpriced);
}

}  // namespace
}  // namespace llmtap::pricing::test
