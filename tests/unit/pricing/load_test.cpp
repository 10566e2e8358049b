// Loading, the override file, reload, and error messages, on small tables written by the tests.
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/clock.h"
#include "test_support.h"

namespace llmtap::pricing::test {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("llmtap-pricing-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    return p;
  }
  fs::path dir_;
};

// gpt-4o at the real rates, a batch rule, and a model with an alias and a prefix rule.
const std::string kTable = R"({
  "llmtap_prices": 1,
  "source": {"package": "@pydantic/genai-prices", "version": "0.1.8", "published": "2026-09-23"},
  "batch_percent": 50,
  "models": [
    {"id": "gpt-4o", "aliases": ["gpt-4o-2024-08-06"], "prices": {"input": 2.5, "cached_input": 1.25, "output": 10}},
    {"id": "gpt-4o-mini", "prefixes": ["gpt-4o-mini-"], "prices": {"input": 0.15, "cached_input": 0.075, "output": 0.6}}
  ]
})";

token_usage in_out(int64_t in, int64_t out) {
  return tokens(in, 0, out);
}

int64_t nano(const price_table& t, std::string_view model, const token_usage& u) {
  const cost_result r = cost_of(t, model, u, cost_options{false, kAfterAll});
  return r.priced ? r.nano_usd : -1;
}

TEST_F(files, loads_and_records_the_source) {
  load_options o;
  o.table = write("prices.json", kTable);
  const load_result r = load_table(o);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.value->source.package, "@pydantic/genai-prices");
  EXPECT_EQ(r.value->source.version, "0.1.8");
  EXPECT_EQ(r.value->source.published, "2026-09-23");
  EXPECT_EQ(r.value->batch_percent, 50);
  // 1000 x 2500 + 100 x 10000
  EXPECT_EQ(nano(*r.value, "gpt-4o-2024-08-06", in_out(1'000, 100)), 3'500'000);
  EXPECT_EQ(r.value->models[r.value->resolve("gpt-4o-mini-whatever")].id, "gpt-4o-mini");
}

TEST_F(files, the_real_table_is_dated) {
  const price_table& t = real_table();
  EXPECT_EQ(t.source.package, "@pydantic/genai-prices");
  EXPECT_EQ(t.source.version, "0.1.8");
  EXPECT_EQ(t.source.published, "2026-09-23");
  EXPECT_EQ(t.batch_percent, 50);
  EXPECT_GT(t.models.size(), 50u);
}

TEST_F(files, override_file_wins) {
  load_options o;
  o.table = write("prices.json", kTable);
  o.override_file = write("override.json", R"({
    "_comment": "our negotiated rates",
    "deployments": {"Prod-Chat": "gpt-4o-mini"},
    "models": {
      "gpt-4o": {"input": 2, "output": 8},
      "my-model": {"aliases": ["my-model-v2"], "prices": [
        {"input": 1, "output": 1},
        {"from": "2026-01-01", "input": 0.0005, "output": 3}
      ]},
      "gpt-4o-mini-special": {"aliases": ["gpt-4o-mini-2024-07-18"], "input": 0.1, "output": 0.1}
    }
  })");
  const load_result r = load_table(o);
  ASSERT_TRUE(r.ok()) << r.error;
  const price_table& t = *r.value;
  EXPECT_EQ(t.source.override_path, o.override_file.string());
  // gpt-4o's prices replaced whole (no cached price now: cached at the input price), its names
  // kept: 1000 x 2000 + 100 x 8000 = 2,000,000 + 800,000.
  EXPECT_EQ(nano(t, "gpt-4o-2024-08-06", tokens(1'000, 500, 100)), 2'800'000);
  // A new model, dated: 3 input tokens at 0.0005 USD/1M = 0.5 nano each = 1.5 -> 2 (half-up).
  EXPECT_EQ(nano(t, "my-model-v2", in_out(3, 0)), 2);
  EXPECT_EQ(cost_of(t, "my-model", in_out(3, 0), cost_options{false, 1735603200}).nano_usd,
            3'000);  // 2024-12-31: 3 x 1000
  // An override name wins over the table's prefix rule: 1000 x 100 + 1000 x 100.
  EXPECT_EQ(nano(t, "gpt-4o-mini-2024-07-18", in_out(1'000, 1'000)), 200'000);
  EXPECT_EQ(nano(t, "gpt-4o-mini-2025-01-01", in_out(1'000, 1'000)), 750'000);

  // Azure: the deployment map (config and override file) names the model.
  exchange x;
  x.deployment = "prod-chat";
  x.usage.input_tokens = 1'000;
  x.usage.output_tokens = 1'000;
  EXPECT_EQ(price_exchange(t, x).priced_as, "gpt-4o-mini");
  EXPECT_EQ(x.cost_nano_usd, 750'000);  // 1000 x 150 + 1000 x 600
  x.model_requested = "Prod-Chat";      // the deployment name sent as the model
  EXPECT_EQ(price_exchange(t, x).priced_as, "gpt-4o-mini");
}

// price_exchange remembers the last model's table entry per thread; a reloaded table (here: an
// override that moves gpt-4o-2024-08-06 to its own entry) must never be answered from the
// memory of the one before, even for the same name, alternating.
TEST_F(files, the_remembered_lookup_follows_the_table) {
  load_options plain;
  plain.table = write("prices.json", kTable);
  load_options with_override = plain;
  with_override.override_file = write("override.json", R"({
    "models": {"gpt-4o-special": {"aliases": ["gpt-4o-2024-08-06"], "input": 1, "output": 1}}
  })");
  const load_result a = load_table(plain), b = load_table(with_override);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.value->serial, b.value->serial);
  exchange x;
  x.model_served = "gpt-4o-2024-08-06";
  x.usage.input_tokens = 1'000;
  x.usage.output_tokens = 100;
  for (int round = 0; round < 2; ++round) {
    EXPECT_EQ(price_exchange(*a.value, x).priced_as, "gpt-4o");
    EXPECT_EQ(x.cost_nano_usd, 3'500'000);  // 1000 x 2500 + 100 x 10000
    EXPECT_EQ(price_exchange(*b.value, x).priced_as, "gpt-4o-special");
    EXPECT_EQ(x.cost_nano_usd, 1'100'000);  // 1100 x 1000
  }
  x.model_served = "gpt-4o-mini-2024-07-18";  // another name on the same table
  EXPECT_EQ(price_exchange(*b.value, x).priced_as, "gpt-4o-mini");
}

TEST_F(files, deployments_from_the_config) {
  load_options o;
  o.table = write("prices.json", kTable);
  o.deployments = {{"eastus-4o", "gpt-4o"}};
  const load_result r = load_table(o);
  ASSERT_TRUE(r.ok()) << r.error;
  exchange x;
  x.deployment = "eastus-4o";
  x.model_served = "some-unknown-name";  // unknown to the table: the mapping decides
  x.usage.input_tokens = 1'000;
  x.usage.output_tokens = 100;
  EXPECT_EQ(price_exchange(*r.value, x).priced_as, "gpt-4o");
  EXPECT_EQ(x.cost_nano_usd, 3'500'000);
}

TEST_F(files, reload_swaps_and_old_snapshots_stay_valid) {
  const fs::path p = write("prices.json", kTable);
  load_options o;
  o.table = p;
  pricing_result pr = pricing::load(o);
  ASSERT_TRUE(pr.ok()) << pr.error;
  pricing& pricer = *pr.value;
  const std::shared_ptr<const price_table> before = pricer.snapshot();
  EXPECT_EQ(nano(*before, "gpt-4o", in_out(1'000, 0)), 2'500'000);

  std::string changed = kTable;
  changed.replace(changed.find("\"input\": 2.5"), 12, "\"input\": 3.5");
  write("prices.json", changed);
  std::string error;
  ASSERT_TRUE(pricer.reload(&error)) << error;
  const std::shared_ptr<const price_table> after = pricer.snapshot();
  EXPECT_NE(before.get(), after.get());
  EXPECT_EQ(nano(*after, "gpt-4o", in_out(1'000, 0)), 3'500'000);
  EXPECT_EQ(nano(*before, "gpt-4o", in_out(1'000, 0)), 2'500'000);  // unchanged

  // A broken file: reload fails, names the file, and the current table stays.
  write("prices.json",
        "{\n  \"llmtap_prices\": 1,\n  \"models\": [\n    {\"id\": \"x\",}\n  ]\n}\n");
  EXPECT_FALSE(pricer.reload(&error));
  EXPECT_NE(error.find(p.string() + ":4:"), std::string::npos) << error;
  EXPECT_EQ(pricer.snapshot().get(), after.get());
}

// A call that arrived before a reload is priced with the table it arrived under, even when the
// pipeline only reaches it after the swap.
TEST_F(files, snapshot_at_gives_the_table_in_force_when_a_call_arrived) {
  const fs::path p = write("prices.json", kTable);
  load_options o;
  o.table = p;
  pricing_result pr = pricing::load(o);
  ASSERT_TRUE(pr.ok()) << pr.error;
  const int64_t arrived_before = mono_ns();
  EXPECT_EQ(pr.value->snapshot_at(arrived_before).get(), pr.value->snapshot().get());

  std::string changed = kTable;
  changed.replace(changed.find("\"input\": 2.5"), 12, "\"input\": 3.5");
  write("prices.json", changed);
  ASSERT_TRUE(pr.value->reload());
  const int64_t arrived_after = mono_ns();
  EXPECT_EQ(nano(*pr.value->snapshot_at(arrived_before), "gpt-4o", in_out(1'000, 0)), 2'500'000);
  EXPECT_EQ(nano(*pr.value->snapshot_at(arrived_after), "gpt-4o", in_out(1'000, 0)), 3'500'000);
  // The pipeline's once-a-batch form picks the same tables.
  const pricing::in_force both = pr.value->tables();
  EXPECT_EQ(both.at(arrived_before), pr.value->snapshot_at(arrived_before).get());
  EXPECT_EQ(both.at(arrived_after), pr.value->snapshot_at(arrived_after).get());
  EXPECT_NE(both.at(arrived_before), both.at(arrived_after));
  // A reload after the batch was taken changes nothing for it (its calls all arrived before).
  ASSERT_TRUE(pr.value->reload());
  EXPECT_EQ(nano(*both.at(arrived_after), "gpt-4o", in_out(1'000, 0)), 3'500'000);
  EXPECT_EQ(pricing::in_force{}.at(arrived_after), nullptr);  // no price table configured
}

TEST_F(files, snapshots_survive_concurrent_reloads) {
  load_options o;
  o.table = write("prices.json", kTable);
  pricing_result pr = pricing::load(o);
  ASSERT_TRUE(pr.ok()) << pr.error;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    while (!stop.load()) {
      auto s = pr.value->snapshot();
      ASSERT_EQ(nano(*s, "gpt-4o", in_out(1'000, 0)), 2'500'000);
    }
  });
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(pr.value->reload());
  stop = true;
  reader.join();
}

TEST_F(files, malformed_json_names_file_and_line) {
  load_options o;
  o.table = write(
      "bad.json",
      "{\n  \"llmtap_prices\": 1,\n  \"models\": [\n    {\"id\": \"a\" \"prices\": {}}\n  ]\n}\n");
  const load_result r = load_table(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(o.table.string() + ":4: malformed JSON"), std::string::npos) << r.error;
}

TEST_F(files, bad_values_name_file_line_and_model) {
  load_options o;
  o.table = write("prices.json", kTable);
  o.override_file = write("override.json",
                          "{\n  \"models\": {\n    \"gpt-4o\": {\"input\": 2},\n"
                          "    \"broken\": {\"input\": -1, \"output\": 2}\n  }\n}\n");
  load_result r = load_table(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find(o.override_file.string() + ":4: model \"broken\""), std::string::npos)
      << r.error;
  EXPECT_NE(r.error.find("price must be >= 0"), std::string::npos) << r.error;

  const struct {
    const char* text;
    const char* expect;
  } cases[] = {
      {R"({"models": [{"id": "a", "prices": {"input": 1}}]})", "not an llmtap price table"},
      {R"({"llmtap_prices": 2, "models": []})", "unsupported format version"},
      {R"({"llmtap_prices": 1, "models": []})", "no models"},
      {R"({"llmtap_prices": 1, "models": [{"id": "a", "prices": {"imput": 1}}]})",
       "unknown key \"imput\""},
      {R"({"llmtap_prices": 1, "models": [{"id": "a", "prices": {"input": "1"}}]})",
       "expected a number"},
      {R"({"llmtap_prices": 1, "models": [{"id": "a", "prices": {"input": 0.0000001}}]})",
       "more than 6 decimal places"},
      {R"({"llmtap_prices": 1, "models": [{"id": "a", "prices": {"from": "2025-13-01", "input": 1}}]})",
       "expected a date"},
      {R"({"llmtap_prices": 1, "models": [{"id": "a", "regexes": ["(("], "prices": {"input": 1}}]})",
       "bad regular expression"},
      {R"({"llmtap_prices": 1, "models": [{"id": "a"}]})", "no prices"},
      {R"({"llmtap_prices": 1, "modles": []})", "unknown top-level key \"modles\""},
  };
  for (const auto& c : cases) {
    o.table = write("t.json", c.text);
    o.override_file.clear();
    r = load_table(o);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_NE(r.error.find(c.expect), std::string::npos) << r.error;
    EXPECT_EQ(r.error.rfind(o.table.string(), 0), 0u) << r.error;
  }
}

TEST_F(files, missing_files_say_what_to_do) {
  load_options o;
  o.table = dir_ / "nope.json";
  load_result r = load_table(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("nope.json: cannot open"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("scripts/setup.sh"), std::string::npos) << r.error;
  o.table = write("prices.json", kTable);
  o.override_file = dir_ / "missing-override.json";
  r = load_table(o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("missing-override.json: cannot open"), std::string::npos) << r.error;
}

TEST_F(files, table_path_from_the_environment) {
  ::setenv("LLMTAP_PRICING_FILE", "/somewhere/prices.json", 1);
  EXPECT_EQ(default_table_path(), fs::path("/somewhere/prices.json"));
  ::unsetenv("LLMTAP_PRICING_FILE");
  EXPECT_EQ(default_table_path(), fs::path(LLMTAP_PRICING_TEST_TABLE));
}

}  // namespace
}  // namespace llmtap::pricing::test
