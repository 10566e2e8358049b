#include "pipeline/sampling.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <simdjson.h>

#include <nlohmann/json.hpp>
#include "pipeline/sample_text.h"

#include <stdexcept>
#include <string_view>

namespace llmtap::pipeline {
namespace sample_text {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf   ? 2
             : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4
                                      : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;  // overlong
  if (c == 0xed && b(i + 1) > 0x9f) return 0;  // surrogates
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;  // overlong
  if (c == 0xf4 && b(i + 1) > 0x8f) return 0;  // above U+10FFFF
  return n;
}

bool utf8_valid(std::string_view s) {
  return simdjson::validate_utf8(s.data(), s.size());
}

// Invalid bytes become U+FFFD, so the JSON parser and the exporters only ever see valid UTF-8.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  size_t run = 0;  // start of the valid bytes not yet copied
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t n = utf8_len(s, i);
    if (n == 0) {
      out.append(s.substr(run, i - run)).append("\xEF\xBF\xBD");
      run = ++i;
    } else {
      i += n;
    }
  }
  out.append(s.substr(run));
  return out;
}

// Most bodies are valid UTF-8: they are parsed in place; only the others are copied and mended.
nlohmann::json parse_lenient(std::string_view bytes) {
  if (utf8_valid(bytes))
    return nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  std::string mended = sanitize_utf8(bytes);
  return nlohmann::json::parse(mended, nullptr, /*allow_exceptions=*/false);
}

}  // namespace sample_text

using namespace sample_text;

namespace {

using json = nlohmann::json;

bool luhn_ok(std::string_view digits_and_separators) {
  int sum = 0, count = 0;
  bool dbl = false;
  for (size_t i = digits_and_separators.size(); i-- > 0;) {
    char c = digits_and_separators[i];
    if (c < '0' || c > '9') continue;
    int d = c - '0';
    if (dbl && (d *= 2) > 9) d -= 9;
    sum += d;
    dbl = !dbl;
    ++count;
  }
  return count >= 13 && count <= 19 && sum % 10 == 0;
}

json as_array(const json& v) {
  if (v.is_array()) return v;
  json a = json::array();
  if (!v.is_null()) a.push_back(v);
  return a;
}

// The prompt side, in the shape Datadog's log records use for each endpoint.
json input_of(const exchange& x) {
  if (x.request_body.bytes.empty() || x.request_body.truncated) return nullptr;
  json req = parse_lenient(x.request_body.bytes);
  if (!req.is_object()) return nullptr;
  switch (x.ep) {
    case endpoint::chat_completions:
      return req.contains("messages") ? as_array(req["messages"]) : nullptr;
    case endpoint::completions:
      return req.contains("prompt") ? as_array(req["prompt"]) : nullptr;
    case endpoint::embeddings:
      return req.contains("input") ? as_array(req["input"]) : nullptr;
    case endpoint::moderations:
      return req.contains("input") ? as_array(req["input"]) : nullptr;
    case endpoint::images_generations:
      return req.contains("prompt") ? as_array(req["prompt"]) : nullptr;
    case endpoint::responses: {
      json out = json::array();
      if (req.contains("instructions") && req["instructions"].is_string())
        out.push_back({{"role", "system"}, {"content", req["instructions"]}});
      if (req.contains("input")) {
        const json& in = req["input"];
        if (in.is_string())
          out.push_back({{"role", "user"}, {"content", in}});
        else if (in.is_array())
          for (const auto& item : in) out.push_back(item);
      }
      return out;
    }
    default:
      return nullptr;
  }
}

// The completion side: choices (chat, completions), output items (Responses), image results.
json output_of(const exchange& x) {
  if (x.stream) {
    switch (x.ep) {
      case endpoint::chat_completions:
        return chat_choices_from_stream(x, false);
      case endpoint::completions:
        return chat_choices_from_stream(x, true);
      case endpoint::responses:
        return responses_output_from_stream(x);
      default:
        return nullptr;
    }
  }
  if (x.response_body.bytes.empty() || x.response_body.truncated) return nullptr;
  json resp = parse_lenient(x.response_body.bytes);
  if (!resp.is_object()) return nullptr;
  switch (x.ep) {
    case endpoint::chat_completions:
    case endpoint::completions: {
      if (!resp.contains("choices") || !resp["choices"].is_array()) return nullptr;
      json out = json::array();
      for (const auto& c : resp["choices"]) {
        json keep = json::object();
        for (const char* k : {"index", "message", "text", "finish_reason"})
          if (c.contains(k)) keep[k] = c[k];
        out.push_back(std::move(keep));
      }
      return out;
    }
    case endpoint::responses:
      return resp.contains("output") ? resp["output"] : nullptr;
    case endpoint::audio_transcriptions:
    case endpoint::audio_translations:
      return resp.contains("text") ? as_array(resp["text"]) : nullptr;
    case endpoint::images_generations:
    case endpoint::images_edits: {
      if (!resp.contains("data") || !resp["data"].is_array()) return nullptr;
      json out = json::array();
      for (const auto& d : resp["data"]) {
        if (d.contains("url"))
          out.push_back({{"url", d["url"]}});
        else if (d.contains("b64_json"))
          out.push_back({{"b64_json", "returned"}});  // as Datadog logs it
      }
      return out;
    }
    default:
      return nullptr;
  }
}

void scrub(json& v, const redactor* r, size_t max_chars) {
  if (v.is_string()) {
    auto& s = v.get_ref<std::string&>();
    if (r != nullptr) r->apply(s);
    truncate_utf8(s, max_chars);
  } else if (v.is_array() || v.is_object()) {
    for (auto& child : v) scrub(child, r, max_chars);
  }
}

}  // namespace

bool sampled_at_rate(uint64_t trace_id_lo, double rate) {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  constexpr uint64_t kKnuthFactor = 1111111111111111111ull;
  const double bound = rate * 18446744073709551616.0;  // 2^64
  return static_cast<double>(trace_id_lo * kKnuthFactor) <= bound;
}

// What a built-in pattern cannot match without: checked first, in one cheap pass, so the regex
// runs only on strings that could hold a match (most prompt strings hold none).
enum class needs { nothing, bearer, key_dash, akia, at_sign, digits13 };

bool may_match(needs n, std::string_view t) {
  switch (n) {
    case needs::nothing:
      return true;
    case needs::at_sign:
      return t.find('@') != std::string_view::npos;
    case needs::key_dash:
      return t.find("k-") != std::string_view::npos;
    case needs::akia:
      return t.find("AKIA") != std::string_view::npos;
    case needs::bearer:
      for (size_t i = t.find_first_of("rR"); i != std::string_view::npos;
           i = t.find_first_of("rR", i + 1))
        if (i >= 5 && (t[i - 5] | 0x20) == 'b' && (t[i - 4] | 0x20) == 'e' &&
            (t[i - 3] | 0x20) == 'a' && (t[i - 2] | 0x20) == 'r' && (t[i - 1] | 0x20) == 'e')
          return true;
      return false;
    case needs::digits13: {
      int digits = 0;
      for (char c : t)
        if (c >= '0' && c <= '9' && ++digits >= 13) return true;
      return false;
    }
  }
  return true;
}

struct redactor::compiled {
  pcre2_code* code = nullptr;
  pcre2_match_data* match = nullptr;
  std::string replacement;
  bool luhn = false;  // card numbers: only digit runs that pass the Luhn check
  needs prefilter = needs::nothing;
  ~compiled() {
    pcre2_match_data_free(match);
    pcre2_code_free(code);
  }
};

redactor::redactor(bool builtin, const std::vector<std::string>& patterns) {
  auto add = [this](const std::string& pattern, std::string replacement, bool luhn,
                    needs prefilter) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw std::invalid_argument("redaction pattern \"" + pattern + "\" at offset " +
                                  std::to_string(offset) + ": " +
                                  reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(code,
                      PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
    auto c = std::make_unique<compiled>();
    c->code = code;
    c->match = pcre2_match_data_create_from_pattern(code, nullptr);
    c->replacement = std::move(replacement);
    c->luhn = luhn;
    c->prefilter = prefilter;
    rules_.push_back(std::move(c));
  };
  if (builtin) {
    add(R"((?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*)", "Bearer [REDACTED_TOKEN]", false,
        needs::bearer);
    add(R"(\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,})", "[REDACTED_API_KEY]", false, needs::key_dash);
    add(R"(\bAKIA[0-9A-Z]{16}\b)", "[REDACTED_API_KEY]", false, needs::akia);
    add(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", "[REDACTED_EMAIL]",
        false, needs::at_sign);
    add(R"((?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]))", "[REDACTED_CARD]", true, needs::digits13);
  }
  for (const auto& p : patterns) add(p, "[REDACTED]", false, needs::nothing);
}

redactor::~redactor() = default;
redactor::redactor(redactor&&) noexcept = default;

size_t redactor::apply(std::string& text) const {
  size_t total = 0;
  for (const auto& rule : rules_) {
    if (!may_match(rule->prefilter, text)) continue;
    std::string out;
    size_t start = 0, copied = 0, n = 0;
    while (start <= text.size()) {
      int rc = pcre2_match(rule->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(),
                           start, 0, rule->match, nullptr);
      if (rc < 0) break;
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(rule->match);
      size_t b = ov[0], e = ov[1];
      if (e == b) {  // an empty match (a user's pattern): step past it
        start = e + 1;
        continue;
      }
      if (!rule->luhn || luhn_ok(std::string_view(text).substr(b, e - b))) {
        out.append(text, copied, b - copied).append(rule->replacement);
        copied = e;
        ++n;
      }
      start = e;
    }
    if (n > 0) {
      out.append(text, copied, std::string::npos);
      text = std::move(out);
      total += n;
    }
  }
  return total;
}

void truncate_utf8(std::string& s, size_t max_bytes) {
  if (!utf8_valid(s)) s = sanitize_utf8(s);
  if (s.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80)
    --cut;  // not inside a sequence
  s.resize(cut);
  s += "...";
}

sampler::sampler(const sampling_options& o) : o_(o), redactor_(o.redact, o.patterns) {}

void sampler::apply(exchange& x) const {
  x.sampled = x.trace.sampling_priority > 0 && sampled_at_rate(x.trace.trace_id_lo, o_.rate);
  if (!x.sampled) return;
  ++sampled_;
  json in = input_of(x), out = output_of(x);
  const redactor* r = o_.redact || !o_.patterns.empty() ? &redactor_ : nullptr;
  if (!in.is_null()) {
    scrub(in, r, o_.max_chars);
    x.sample_input = in.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  if (!out.is_null()) {
    scrub(out, r, o_.max_chars);
    x.sample_output = out.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

}  // namespace llmtap::pipeline
