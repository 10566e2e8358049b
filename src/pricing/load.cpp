#include "pricing/load.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

namespace llmtap::pricing {
namespace {

using json = nlohmann::ordered_json;

// Thrown inside this file only and turned into load_result::error at the boundary. `needle` is
// text to search for to find the line of a semantic error (the model id, the key).
struct bad_file {
  std::string message;
  std::string needle;
};

[[noreturn]] void fail(std::string message, std::string needle = {}) {
  throw bad_file{std::move(message), std::move(needle)};
}

std::string in_quotes(std::string_view s) {
  // (Built by appends: `"\"" + std::string(s)` trips GCC 12's -Wrestrict false positive.)
  std::string q;
  q.reserve(s.size() + 2);
  q.append(1, '"').append(s).append(1, '"');
  return q;
}

size_t line_of_offset(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1;
  for (size_t i = 0; i < offset; ++i) line += text[i] == '\n';
  return line;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// USD per 1M tokens -> integer pico-USD per token, exactly. Prices are decimals with at most six
// places (0.075, 3.125); anything finer than a pico-dollar per token is refused rather than
// rounded, so that the stored price is the published one.
int64_t to_pico(const json& v, const std::string& where) {
  if (!v.is_number()) fail(where + ": expected a number (USD per 1M tokens)");
  const double usd_per_m = v.get<double>();
  if (!std::isfinite(usd_per_m) || usd_per_m < 0) fail(where + ": price must be >= 0");
  if (usd_per_m > 1e6) fail(where + ": price above 1,000,000 USD per 1M tokens");
  const double scaled = usd_per_m * 1e6;
  const double rounded = std::round(scaled);
  if (std::fabs(scaled - rounded) > 1e-3) {
    fail(where + ": more than 6 decimal places (finer than 1 pico-USD per token)");
  }
  return static_cast<int64_t>(rounded);
}

int64_t to_count(const json& v, const std::string& where) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0) {
    fail(where + ": expected a non-negative integer");
  }
  return v.get<int64_t>();
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

int64_t parse_date(const json& v, const std::string& where) {
  const std::string s = v.is_string() ? v.get<std::string>() : std::string{};
  unsigned y = 0, m = 0, d = 0;
  char tail = 0;
  if (s.size() != 10 || std::sscanf(s.c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || m < 1 ||
      m > 12 || d < 1 || d > 31) {
    fail(where + ": expected a date \"YYYY-MM-DD\"");
  }
  return days_from_civil(y, m, d) * 86400;
}

std::optional<token_class> class_named(std::string_view key) {
  for (size_t i = 0; i < kTokenClasses; ++i) {
    const auto c = static_cast<token_class>(i);
    if (to_string(c) == key) return c;
  }
  return std::nullopt;
}

class_price parse_class(const json& v, const std::string& where) {
  class_price p;
  if (!v.is_object()) {
    p.base = to_pico(v, where);
    return p;
  }
  for (const auto& [k, x] : v.items()) {
    if (k != "base" && k != "tiers" && !k.starts_with("_"))
      fail(where + ": unknown key " + in_quotes(k));
  }
  if (!v.contains("base")) fail(where + ": a tiered price needs \"base\"");
  p.base = to_pico(v["base"], where + ".base");
  if (v.contains("tiers")) {
    if (!v["tiers"].is_array()) fail(where + ".tiers: expected an array");
    for (size_t i = 0; i < v["tiers"].size(); ++i) {
      const json& t = v["tiers"][i];
      const std::string w = where + ".tiers[" + std::to_string(i) + "]";
      if (!t.is_object() || !t.contains("above") || !t.contains("price")) {
        fail(w + ": expected {\"above\": <input tokens>, \"price\": <USD per 1M>}");
      }
      p.tiers.push_back({to_count(t["above"], w + ".above"), to_pico(t["price"], w + ".price")});
    }
    std::sort(p.tiers.begin(), p.tiers.end(), [](const tier& a, const tier& b) {
      return a.above_input_tokens < b.above_input_tokens;
    });
  }
  return p;
}

bool is_price_set_key(std::string_view k) {
  return class_named(k).has_value() || k == "from" || k == "free" || k == "batch_percent" ||
         k == "unbilled_units";
}

int32_t parse_percent(const json& v, const std::string& where) {
  const int64_t p = to_count(v, where);
  if (p > 1000) fail(where + ": percent above 1000");
  return static_cast<int32_t>(p);
}

price_set parse_price_set(const json& v, const std::string& where) {
  if (!v.is_object()) fail(where + ": expected an object of prices");
  price_set s;
  for (const auto& [k, x] : v.items()) {
    const std::string w = where + "." + k;
    if (auto c = class_named(k)) {
      s[*c] = parse_class(x, w);
    } else if (k == "from") {
      s.valid_from_unix_s = parse_date(x, w);
      s.from = x.get<std::string>();
    } else if (k == "free") {
      if (!x.is_boolean()) fail(w + ": expected true or false");
      s.free = x.get<bool>();
    } else if (k == "batch_percent") {
      s.batch_percent = parse_percent(x, w);
    } else if (k == "unbilled_units") {
      if (!x.is_array()) fail(w + ": expected an array of names");
      for (const auto& u : x)
        s.unbilled_units.push_back(u.is_string() ? u.get<std::string>() : "?");
    } else if (!k.starts_with("_")) {
      fail(where + ": unknown key " + in_quotes(k) +
           " (price keys: input, cached_input, cache_write, output, reasoning, input_audio, "
           "output_audio, ...; see src/pricing/README.md)");
    }
  }
  return s;
}

std::vector<std::string> string_list(const json& v, const std::string& where, bool lowercase) {
  if (!v.is_array()) fail(where + ": expected an array of strings");
  std::vector<std::string> out;
  for (const auto& x : v) {
    if (!x.is_string() || x.get<std::string>().empty())
      fail(where + ": expected non-empty strings");
    out.push_back(lowercase ? lower(x.get<std::string>()) : x.get<std::string>());
  }
  return out;
}

model_entry parse_model_inner(const json& v, const std::string& id, const std::string& origin) {
  const std::string where = "model " + in_quotes(id);
  if (!v.is_object()) fail(where + ": expected an object");
  model_entry m;
  m.id = lower(id);
  m.origin = origin;
  bool flat_prices = false;
  for (const auto& [k, x] : v.items()) {
    const std::string w = where + ": " + k;
    if (k == "id" || k.starts_with("_")) {
      continue;
    } else if (k == "aliases") {
      m.aliases = string_list(x, w, true);
    } else if (k == "prefixes") {
      m.prefixes = string_list(x, w, true);
    } else if (k == "suffixes") {
      m.suffixes = string_list(x, w, true);
    } else if (k == "contains") {
      m.contains = string_list(x, w, true);
    } else if (k == "regexes") {
      for (auto& src : string_list(x, w, false)) {
        try {
          m.regexes.push_back({src, std::regex(src, std::regex::ECMAScript)});
        } catch (const std::regex_error& e) {
          fail(w + ": bad regular expression " + in_quotes(src) + ": " + e.what());
        }
      }
    } else if (k == "fine_tune_of") {
      if (!x.is_string()) fail(w + ": expected a model id");
      m.fine_tune_of = lower(x.get<std::string>());
    } else if (k == "prices") {
      if (x.is_array()) {
        for (size_t i = 0; i < x.size(); ++i) {
          m.prices.push_back(parse_price_set(x[i], where + ": prices[" + std::to_string(i) + "]"));
        }
      } else {
        m.prices.push_back(parse_price_set(x, where + ": prices"));
      }
    } else if (is_price_set_key(k)) {
      flat_prices = true;
    } else {
      fail(where + ": unknown key " + in_quotes(k));
    }
  }
  if (flat_prices) {
    // The short form of the override file: the prices written on the model itself.
    if (!m.prices.empty()) fail(where + ": prices both inline and under \"prices\"");
    json inline_prices = json::object();
    for (const auto& [k, x] : v.items()) {
      if (is_price_set_key(k)) inline_prices[k] = x;
    }
    m.prices.push_back(parse_price_set(inline_prices, where));
  }
  if (m.prices.empty()) fail(where + ": no prices");
  return m;
}

// Any error inside a model points at the model's line.
model_entry parse_model(const json& v, const std::string& id, const std::string& origin) {
  try {
    return parse_model_inner(v, id, origin);
  } catch (bad_file& e) {
    if (e.needle.empty()) e.needle = "\x01" + id;  // a model id: see find_line
    throw;
  }
}

struct file_data {
  std::optional<int32_t> batch_percent;
  table_source source;
  std::vector<model_entry> models;
  std::map<std::string, std::string> deployments;
};

file_data parse_file_json(const json& root, const std::string& origin, bool is_table) {
  if (!root.is_object()) fail("expected a JSON object at the top level");
  file_data f;
  if (is_table && !root.contains("llmtap_prices")) {
    fail("not an llmtap price table (no \"llmtap_prices\" key; generate it with scripts/setup.sh)");
  }
  for (const auto& [k, v] : root.items()) {
    if (k == "llmtap_prices") {
      if (!v.is_number_integer() || v.get<int64_t>() != 1) {
        fail("llmtap_prices: unsupported format version (this llmtap reads 1)", in_quotes(k));
      }
    } else if (k == "source") {
      if (!v.is_object()) fail("source: expected an object", in_quotes(k));
      auto str = [&](const char* key) {
        return v.contains(key) && v[key].is_string() ? v[key].get<std::string>() : std::string{};
      };
      f.source.package = str("package");
      f.source.version = str("version");
      f.source.published = str("published");
    } else if (k == "batch_percent") {
      try {
        f.batch_percent = parse_percent(v, k);
      } catch (bad_file& e) {
        e.needle = in_quotes(k);
        throw;
      }
    } else if (k == "deployments") {
      if (!v.is_object())
        fail("deployments: expected an object {\"deployment\": \"model\"}", in_quotes(k));
      for (const auto& [d, model] : v.items()) {
        if (!model.is_string()) fail("deployments." + d + ": expected a model name", in_quotes(d));
        f.deployments[lower(d)] = model.get<std::string>();
      }
    } else if (k == "models") {
      if (v.is_array()) {
        for (size_t i = 0; i < v.size(); ++i) {
          const json& m = v[i];
          if (!m.is_object() || !m.contains("id") || !m["id"].is_string()) {
            fail("models[" + std::to_string(i) + "]: expected an object with a string \"id\"");
          }
          f.models.push_back(parse_model(m, m["id"].get<std::string>(), origin));
        }
      } else if (v.is_object()) {
        for (const auto& [id, m] : v.items()) f.models.push_back(parse_model(m, id, origin));
      } else {
        fail("models: expected an array or an object keyed by model id", in_quotes(k));
      }
    } else if (!k.starts_with("_")) {
      fail("unknown top-level key " + in_quotes(k), in_quotes(k));
    }
  }
  if (is_table && f.models.empty()) fail("no models");
  return f;
}

// Line of the first place `needle` is written; a needle "\x01<id>" is a model id, found as
// "id": "<id>" (array form) or "<id>": (object form) before any other mention.
std::optional<size_t> find_line(std::string_view text, std::string_view needle) {
  std::vector<std::string> tries;
  if (needle.starts_with('\x01')) {
    const std::string q = in_quotes(needle.substr(1));
    tries = {"\"id\":" + q, "\"id\": " + q, q + ":", q};
  } else {
    tries = {std::string(needle)};
  }
  for (const auto& t : tries) {
    if (size_t at = text.find(t); at != std::string_view::npos) return line_of_offset(text, at);
  }
  return std::nullopt;
}

// Parses `text`; on failure returns the message prefixed with "<name>:<line>: ".
std::optional<file_data> parse_file(std::string_view text, std::string_view name, bool is_table,
                                    std::string* error) {
  const std::string origin(name);
  try {
    const json root = json::parse(text.begin(), text.end());
    return parse_file_json(root, origin, is_table);
  } catch (const json::parse_error& e) {
    // e.byte is the 1-based offset where parsing stopped.
    const size_t line = line_of_offset(text, e.byte == 0 ? 0 : e.byte - 1);
    *error = origin + ":" + std::to_string(line) + ": malformed JSON: " + e.what();
  } catch (const bad_file& e) {
    std::string where = origin;
    if (!e.needle.empty()) {
      if (auto line = find_line(text, e.needle)) where += ":" + std::to_string(*line);
    }
    *error = where + ": " + e.message;
  } catch (const std::exception& e) {
    *error = origin + ": " + e.what();
  }
  return std::nullopt;
}

// The override file wins: a model it names keeps the table's names and rules (plus its own) and
// takes the override's prices whole; a new model is matched before the table's.
void merge(price_table& t, file_data&& over) {
  std::vector<model_entry> added;
  for (auto& m : over.models) {
    auto it = std::find_if(t.models.begin(), t.models.end(),
                           [&](const model_entry& e) { return e.id == m.id; });
    if (it == t.models.end()) {
      added.push_back(std::move(m));
      continue;
    }
    it->prices = std::move(m.prices);
    it->origin = m.origin;
    auto append = [](auto& to, auto& from) {
      to.insert(to.begin(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
    };
    append(it->aliases, m.aliases);
    append(it->prefixes, m.prefixes);
    append(it->suffixes, m.suffixes);
    append(it->contains, m.contains);
    append(it->regexes, m.regexes);
    if (!m.fine_tune_of.empty()) it->fine_tune_of = m.fine_tune_of;
  }
  t.models.insert(t.models.begin(), std::make_move_iterator(added.begin()),
                  std::make_move_iterator(added.end()));
  if (over.batch_percent) t.batch_percent = *over.batch_percent;
  for (auto& [d, model] : over.deployments) t.deployments[d] = std::move(model);
}

bool read_file(const std::filesystem::path& path, std::string& out, std::string* error,
               const char* hint) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path.string() + ": cannot open (" + std::strerror(errno) + ")" + hint;
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return true;
}

std::filesystem::path exe_dir() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : p.parent_path();
}

}  // namespace

std::filesystem::path default_table_path() {
  if (const char* env = std::getenv("LLMTAP_PRICING_FILE"); env != nullptr && *env != '\0') {
    return env;
  }
  const std::filesystem::path dir = exe_dir();
  if (!dir.empty()) {
    const auto installed = dir.parent_path() / "share" / "llmtap" / "prices.json";
    std::error_code ec;
    if (std::filesystem::exists(installed, ec)) return installed;
  }
  return LLMTAP_PRICING_SOURCE_FILE;
}

load_result load_table_text(std::string_view table_text, std::string_view table_name,
                            std::string_view override_text, std::string_view override_name,
                            const std::map<std::string, std::string>& deployments) {
  load_result r;
  auto base = parse_file(table_text, table_name, true, &r.error);
  if (!base) return r;
  auto t = std::make_shared<price_table>();
  t->source = std::move(base->source);
  t->source.table_path = std::string(table_name);
  t->batch_percent = base->batch_percent.value_or(100);
  t->models = std::move(base->models);
  for (const auto& [d, model] : deployments) t->deployments[lower(d)] = model;
  for (auto& [d, model] : base->deployments) t->deployments[d] = std::move(model);
  if (!override_name.empty()) {
    auto over = parse_file(override_text, override_name, false, &r.error);
    if (!over) return r;
    t->source.override_path = std::string(override_name);
    merge(*t, std::move(*over));
  }
  t->index();
  r.value = std::move(t);
  return r;
}

load_result load_table(const load_options& options) {
  load_result r;
  const std::filesystem::path table = options.table.empty() ? default_table_path() : options.table;
  std::string table_text, override_text;
  if (!read_file(table, table_text, &r.error,
                 " (run scripts/setup.sh, or set LLMTAP_PRICING_FILE)")) {
    return r;
  }
  if (!options.override_file.empty() &&
      !read_file(options.override_file, override_text, &r.error, "")) {
    return r;
  }
  return load_table_text(table_text, table.string(), override_text, options.override_file.string(),
                         options.deployments);
}

}  // namespace llmtap::pricing
