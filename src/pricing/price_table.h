#pragma once
// The immutable price table: per model, dated price sets of integer pico-USD per token for each
// token class, with long-context tiers. Built by load.cpp, shared read-only between threads via
// shared_ptr<const price_table>; nothing in it changes after loading.
#include <array>
#include <cstdint>
#include <limits>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmtap::pricing {

// Token classes priced separately. Sub-classes (cached input, audio, reasoning...) are parts of
// input or output tokens; a sub-class with no price of its own is billed at its parent's price,
// as genai-prices does.
enum class token_class : uint8_t {
  input = 0,
  cached_input,        // part of input
  cache_write,         // part of input
  input_audio,         // part of input
  cached_input_audio,  // in the data, but usage does not split cached audio: not billed apart
  input_image,         // part of input; usage has no image split -> such models are unpriced
  cached_input_image,
  output,
  reasoning,     // part of output; no data set prices it apart today
  output_audio,  // part of output
  output_image,
  count_,
};
inline constexpr size_t kTokenClasses = static_cast<size_t>(token_class::count_);
std::string_view to_string(token_class c);

// Above `above_input_tokens` input tokens (the whole prompt, cached included) the tier price
// applies to every token of the class, not just the excess: OpenAI's long-context rule.
struct tier {
  int64_t above_input_tokens = 0;
  int64_t pico_per_token = 0;
};

struct class_price {
  int64_t base = -1;        // pico-USD per token (= USD per 1M tokens x 1e6); -1 = no price
  std::vector<tier> tiers;  // ascending by threshold
  bool present() const { return base >= 0; }
  int64_t at(int64_t input_tokens) const;  // the base or the highest tier crossed
};

struct price_set {
  static constexpr int64_t kAlways = std::numeric_limits<int64_t>::min();
  int64_t valid_from_unix_s = kAlways;  // 00:00 UTC of `from`; kAlways = no start date
  std::string from;                     // "YYYY-MM-DD" as written, empty when kAlways
  std::array<class_price, kTokenClasses> classes;
  bool free = false;                        // the data says the model costs nothing (moderation)
  int32_t batch_percent = -1;               // -1 = the table's batch_percent
  std::vector<std::string> unbilled_units;  // units in the data we cannot bill (tool calls, hours)

  const class_price& operator[](token_class c) const { return classes[static_cast<size_t>(c)]; }
  class_price& operator[](token_class c) { return classes[static_cast<size_t>(c)]; }
};

struct match_regex {
  std::string source;
  std::regex re;
};

struct model_entry {
  std::string id;                    // lowercase; what cost_result::priced_as reports
  std::vector<std::string> aliases;  // exact names (lowercase)
  std::vector<std::string> prefixes, suffixes, contains;
  std::vector<match_regex> regexes;  // ECMAScript, searched (like JS RegExp.test)
  std::string fine_tune_of;          // base model id whose ft: models this entry prices
  std::vector<price_set> prices;     // data order; see select()
  std::string origin;                // the file this entry came from

  bool matches_rule(std::string_view lowercase_name) const;
  // genai-prices' rule: the last set whose start date is not after `unix_s` (a set without a
  // date always qualifies), else the first set.
  const price_set& select(int64_t unix_s) const;
};

struct table_source {
  std::string package;    // "@pydantic/genai-prices"
  std::string version;    // "0.1.8"
  std::string published;  // "2026-09-23": the data's date
  std::string table_path;
  std::string override_path;  // empty without an override file
};

struct price_table {
  table_source source;
  int32_t batch_percent = 100;      // percent of standard prices billed for Batch API calls
  std::vector<model_entry> models;  // rule order: override entries first, then the table's
  std::unordered_map<std::string, size_t> exact;             // id or alias -> models index
  std::unordered_map<std::string, size_t> fine_tunes;        // base model id -> ft entry index
  std::unordered_map<std::string, std::string> deployments;  // Azure deployment -> model
  // This table's identity once index() finished it (0 before): what a lookup remembered across
  // calls is keyed on, so that a reloaded table is never answered from an older one's memory.
  uint64_t serial = 0;

  static constexpr size_t npos = static_cast<size_t>(-1);
  // The entry pricing `model` after normalization (normalize.h), or npos.
  size_t resolve(std::string_view model) const;
  // Rebuilds `exact` and `fine_tunes` from `models` and gives the table a new serial (load.cpp
  // calls this once, when the table is complete).
  void index();

 private:
  size_t match(std::string_view lowercase_name) const;
};

}  // namespace llmtap::pricing
