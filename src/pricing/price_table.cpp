#include "pricing/price_table.h"

#include <atomic>

#include "pricing/normalize.h"

namespace llmtap::pricing {

std::string_view to_string(token_class c) {
  switch (c) {
    case token_class::input:
      return "input";
    case token_class::cached_input:
      return "cached_input";
    case token_class::cache_write:
      return "cache_write";
    case token_class::input_audio:
      return "input_audio";
    case token_class::cached_input_audio:
      return "cached_input_audio";
    case token_class::input_image:
      return "input_image";
    case token_class::cached_input_image:
      return "cached_input_image";
    case token_class::output:
      return "output";
    case token_class::reasoning:
      return "reasoning";
    case token_class::output_audio:
      return "output_audio";
    case token_class::output_image:
      return "output_image";
    case token_class::count_:
      break;
  }
  return "?";
}

int64_t class_price::at(int64_t input_tokens) const {
  int64_t p = base;
  for (const tier& t : tiers) {
    if (input_tokens > t.above_input_tokens) p = t.pico_per_token;
  }
  return p;
}

bool model_entry::matches_rule(std::string_view name) const {
  for (const auto& p : prefixes) {
    if (name.starts_with(p)) return true;
  }
  for (const auto& s : suffixes) {
    if (name.ends_with(s)) return true;
  }
  for (const auto& c : contains) {
    if (name.find(c) != std::string_view::npos) return true;
  }
  for (const auto& r : regexes) {
    // The data path must not throw; a regex that blows its stack simply does not match.
    try {
      if (std::regex_search(name.begin(), name.end(), r.re)) return true;
    } catch (const std::regex_error&) {
    }
  }
  return false;
}

const price_set& model_entry::select(int64_t unix_s) const {
  for (size_t i = prices.size(); i-- > 0;) {
    if (prices[i].valid_from_unix_s <= unix_s) return prices[i];
  }
  return prices.front();
}

void price_table::index() {
  static std::atomic<uint64_t> serials{0};
  serial = ++serials;
  exact.clear();
  fine_tunes.clear();
  // Later entries must not steal a name from earlier ones (override entries come first).
  for (size_t i = 0; i < models.size(); ++i) {
    exact.try_emplace(models[i].id, i);
    for (const auto& a : models[i].aliases) exact.try_emplace(a, i);
    if (!models[i].fine_tune_of.empty()) fine_tunes.try_emplace(models[i].fine_tune_of, i);
  }
}

size_t price_table::match(std::string_view name) const {
  if (name.empty()) return npos;
  if (auto it = exact.find(std::string(name)); it != exact.end()) return it->second;
  for (size_t i = 0; i < models.size(); ++i) {
    if (models[i].matches_rule(name)) return i;
  }
  return npos;
}

size_t price_table::resolve(std::string_view model) const {
  const std::string name = clean_model(model);
  if (size_t i = match(name); i != npos) return i;
  // genai-prices' own fallback: "gpt-4o-20240806" is spelled "gpt-4o-2024-08-06" in the data.
  const std::string dashed = dash_dates(name);
  if (dashed != name) {
    if (size_t i = match(dashed); i != npos) return i;
  }
  // A snapshot the data does not list is billed as its model: OpenAI prices snapshots of one
  // model alike unless it says otherwise, and a snapshot that differs is listed by name.
  if (std::string_view undated = strip_snapshot_date(dashed); undated.size() != dashed.size()) {
    if (size_t i = match(undated); i != npos) return i;
  }
  const std::string_view base = fine_tune_base(name);
  if (base.empty() || base.starts_with("ft:")) return npos;
  const size_t b = resolve(base);
  if (b == npos) return npos;
  // Fine-tuned inference has its own rates when the data has them; else the base model's.
  if (auto it = fine_tunes.find(models[b].id); it != fine_tunes.end()) return it->second;
  return b;
}

}  // namespace llmtap::pricing
