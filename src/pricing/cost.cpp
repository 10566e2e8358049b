#include "pricing/cost.h"

#include <algorithm>
#include <ctime>

#include "pricing/normalize.h"

namespace llmtap::pricing {
namespace {

using tc = token_class;

cost_result unpriced(std::string priced_as, std::string_view reason) {
  return {false, -1, std::move(priced_as), reason};
}

// `part` of what remains of a total, clamped so that bad detail counts can never bill a token
// twice (a detail above its total is data we cannot trust more than the total).
int64_t take(int64_t part, int64_t& remaining) {
  const int64_t v = std::clamp<int64_t>(part, 0, remaining);
  remaining -= v;
  return v;
}

// Accumulates tokens x pico-USD, failing on overflow instead of wrapping.
struct pico_sum {
  int64_t total = 0;
  bool overflow = false;
  void add(int64_t tokens, int64_t pico) {
    int64_t product = 0;
    if (__builtin_mul_overflow(tokens, pico, &product) ||
        __builtin_add_overflow(total, product, &total)) {
      overflow = true;
    }
  }
};

bool has_any(const price_set& s, std::initializer_list<tc> classes) {
  return std::any_of(classes.begin(), classes.end(), [&](tc c) { return s[c].present(); });
}

}  // namespace

token_usage from_usage(const llmtap::usage& u) {
  token_usage t;
  t.input = u.input_tokens;
  t.cached_input = u.cached_input_tokens;
  t.input_audio = u.audio_input_tokens;
  t.output = u.output_tokens;
  t.reasoning = u.reasoning_tokens;
  t.output_audio = u.audio_output_tokens;
  return t;
}

cost_result cost_of(const price_table& t, std::string_view model, const token_usage& u,
                    const cost_options& o) {
  const size_t i = t.resolve(model);
  if (i == price_table::npos) return unpriced({}, "unknown model");
  return cost_of_entry(t, i, u, o);
}

cost_result cost_of_entry(const price_table& t, size_t i, const token_usage& u,
                          const cost_options& o) {
  const model_entry& m = t.models[i];
  const int64_t now = o.at_unix_s != 0 ? o.at_unix_s : static_cast<int64_t>(std::time(nullptr));
  const price_set& s = m.select(now);
  if (s.free) return {true, 0, m.id, {}};

  const bool has_input = s[tc::input].present();
  const bool has_output =
      has_any(s, {tc::output, tc::reasoning, tc::output_audio, tc::output_image});
  if (!has_input && !has_output) {
    return unpriced(m.id, s.unbilled_units.empty() ? "no token prices"
                                                   : "priced per tool call or audio duration only");
  }
  // Usage does not split text and image tokens, and image tokens cost several times text.
  if (has_any(s, {tc::input_image, tc::cached_input_image, tc::output_image})) {
    return unpriced(m.id, "image-token prices need an image/text split that usage does not carry");
  }
  if (u.input < 0) return unpriced(m.id, "input tokens unknown");
  // Embeddings report no output tokens and have no output price: nothing to bill there.
  const int64_t output = u.output < 0 && !has_output ? 0 : u.output;
  if (output < 0) return unpriced(m.id, "output tokens unknown");
  if (u.input > 0 && !has_input) return unpriced(m.id, "no input price");
  if (output > 0 && !has_output) return unpriced(m.id, "no output price");

  // Long-context tiers are chosen by the whole prompt, cached tokens included.
  const int64_t n = u.input;
  auto price = [&](tc c, tc parent) { return s[c].present() ? s[c].at(n) : s[parent].at(n); };
  int64_t in_left = u.input;
  const int64_t cached = take(u.cached_input, in_left);
  const int64_t cache_write = take(u.cache_write, in_left);
  // Cached audio is not reported apart from cached text, so audio counts as uncached.
  const int64_t audio_in = take(u.input_audio, in_left);
  int64_t out_left = output;
  const int64_t audio_out = take(u.output_audio, out_left);
  const int64_t reasoning = take(u.reasoning, out_left);

  pico_sum sum;
  sum.add(in_left, s[tc::input].at(n));
  sum.add(cached, price(tc::cached_input, tc::input));
  sum.add(cache_write, price(tc::cache_write, tc::input));
  sum.add(audio_in, price(tc::input_audio, tc::input));
  const tc out_base = s[tc::output].present() ? tc::output : tc::reasoning;
  sum.add(out_left, s[out_base].at(n));
  sum.add(reasoning, price(tc::reasoning, out_base));
  sum.add(audio_out, price(tc::output_audio, out_base));
  if (sum.overflow) return unpriced(m.id, "token counts too large to price");

  // pico -> nano, half-up; with a batch discount the percent joins the same single division.
  int64_t scaled = sum.total;
  int64_t divisor = 1000;
  if (o.batch) {
    const int32_t pct = s.batch_percent >= 0 ? s.batch_percent : t.batch_percent;
    if (__builtin_mul_overflow(scaled, static_cast<int64_t>(pct), &scaled)) {
      return unpriced(m.id, "token counts too large to price");
    }
    divisor = 100'000;
  }
  if (scaled > INT64_MAX - divisor / 2) return unpriced(m.id, "token counts too large to price");
  return {true, (scaled + divisor / 2) / divisor, m.id, {}};
}

cost_result cost_of(const price_table& t, std::string_view model, const llmtap::usage& u,
                    bool batch) {
  return cost_of(t, model, from_usage(u), cost_options{batch, 0});
}

cost_result price_exchange(const price_table& t, exchange& x) {
  const token_usage u = from_usage(x.usage);
  const cost_options o{false, x.wall_start_unix_ns > 0 ? x.wall_start_unix_ns / 1'000'000'000 : 0};
  auto mapped = [&](const std::string& name) -> const std::string* {
    if (name.empty()) return nullptr;
    auto it = t.deployments.find(clean_model(name));
    return it == t.deployments.end() ? nullptr : &it->second;
  };
  const std::string& name = !x.model_served.empty()      ? x.model_served
                            : !x.model_requested.empty() ? x.model_requested
                                                         : x.deployment;
  // Calls come with the same model over and over: the last name's entry is remembered per
  // thread and table (resolving normalizes and tries several spellings, ~2,500 instructions).
  struct last_lookup {
    uint64_t serial = 0;
    std::string name;
    size_t entry = price_table::npos;
  };
  thread_local last_lookup last;
  size_t entry = price_table::npos;
  if (!name.empty()) {
    if (t.serial != 0 && last.serial == t.serial && last.name == name) {
      entry = last.entry;
    } else {
      entry = t.resolve(name);
      if (t.serial != 0) last = {t.serial, name, entry};
    }
  }
  cost_result r;
  if (entry != price_table::npos) {
    r = cost_of_entry(t, entry, u, o);
  } else if (const std::string* m = mapped(name) ? mapped(name) : mapped(x.deployment)) {
    // A deployment name, or a model the table does not know served by a mapped deployment:
    // the operator's mapping says which model's prices apply.
    r = cost_of(t, *m, u, o);
  } else {
    r = unpriced({}, name.empty() ? "no model" : "unknown model");
  }
  x.cost_nano_usd = r.priced ? r.nano_usd : -1;
  return r;
}

}  // namespace llmtap::pricing
