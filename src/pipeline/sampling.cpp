#include "pipeline/sampling.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string_view>

namespace llmtap::pipeline {
namespace {

using json = nlohmann::json;

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && b(i + 1) < 0xa0) return 0;   // overlong
  if (c == 0xed && b(i + 1) > 0x9f) return 0;   // surrogates
  if (c == 0xf0 && b(i + 1) < 0x90) return 0;   // overlong
  if (c == 0xf4 && b(i + 1) > 0x8f) return 0;   // above U+10FFFF
  return n;
}

// Invalid bytes become U+FFFD, so the JSON parser and the exporters only ever see valid UTF-8.
std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t n = utf8_len(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

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

json parse_lenient(std::string_view bytes) {
  return json::parse(sanitize_utf8(bytes), nullptr, /*allow_exceptions=*/false);
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
    case endpoint::chat_completions: return req.contains("messages") ? as_array(req["messages"]) : nullptr;
    case endpoint::completions: return req.contains("prompt") ? as_array(req["prompt"]) : nullptr;
    case endpoint::embeddings: return req.contains("input") ? as_array(req["input"]) : nullptr;
    case endpoint::moderations: return req.contains("input") ? as_array(req["input"]) : nullptr;
    case endpoint::images_generations: return req.contains("prompt") ? as_array(req["prompt"]) : nullptr;
    case endpoint::responses: {
      json out = json::array();
      if (req.contains("instructions") && req["instructions"].is_string())
        out.push_back({{"role", "system"}, {"content", req["instructions"]}});
      if (req.contains("input")) {
        const json& in = req["input"];
        if (in.is_string()) out.push_back({{"role", "user"}, {"content", in}});
        else if (in.is_array()) for (const auto& item : in) out.push_back(item);
      }
      return out;
    }
    default: return nullptr;
  }
}

// Splits the kept stream payloads (each followed by kRecordSeparator) and the first event.
template <class F>
void for_each_event(const exchange& x, F&& f) {
  if (x.event_count > 0 && !x.events[0].empty()) f(std::string_view(x.events[0]));
  std::string_view all(x.stream_content.bytes);
  while (!all.empty()) {
    size_t end = all.find(kRecordSeparator);
    std::string_view one = all.substr(0, end);
    if (!(x.event_count > 0 && one == x.events[0])) f(one);  // the first event may be in both
    if (end == std::string_view::npos) break;
    all.remove_prefix(end + 1);
  }
}

json chat_choices_from_stream(const exchange& x, bool text_completion) {
  json choices = json::array();
  auto slot = [&](size_t i) -> json& {
    while (choices.size() <= i) {
      json c = {{"index", choices.size()}, {"finish_reason", nullptr}};
      if (text_completion) c["text"] = "";
      else c["message"] = {{"role", "assistant"}, {"content", ""}};
      choices.push_back(std::move(c));
    }
    return choices[i];
  };
  for_each_event(x, [&](std::string_view payload) {
    json ev = parse_lenient(payload);
    if (!ev.is_object() || !ev.contains("choices") || !ev["choices"].is_array()) return;
    for (const auto& ch : ev["choices"]) {
      size_t i = ch.value("index", 0);
      if (i > 64) continue;
      json& c = slot(i);
      if (ch.contains("finish_reason") && ch["finish_reason"].is_string()) c["finish_reason"] = ch["finish_reason"];
      if (text_completion) {
        if (ch.contains("text") && ch["text"].is_string()) c["text"] = c["text"].get<std::string>() + ch["text"].get<std::string>();
        continue;
      }
      if (!ch.contains("delta") || !ch["delta"].is_object()) continue;
      const json& d = ch["delta"];
      json& m = c["message"];
      if (d.contains("role") && d["role"].is_string()) m["role"] = d["role"];
      if (d.contains("content") && d["content"].is_string())
        m["content"] = m["content"].get<std::string>() + d["content"].get<std::string>();
      if (d.contains("tool_calls") && d["tool_calls"].is_array()) {
        if (!m.contains("tool_calls")) m["tool_calls"] = json::array();
        for (const auto& tc : d["tool_calls"]) {
          size_t k = tc.value("index", 0);
          if (k > 64) continue;
          json& calls = m["tool_calls"];
          while (calls.size() <= k) calls.push_back({{"function", {{"name", ""}, {"arguments", ""}}}});
          json& dst = calls[k];
          if (tc.contains("id") && tc["id"].is_string()) dst["id"] = tc["id"];
          if (tc.contains("function") && tc["function"].is_object()) {
            const json& fn = tc["function"];
            if (fn.contains("name") && fn["name"].is_string())
              dst["function"]["name"] = dst["function"]["name"].get<std::string>() + fn["name"].get<std::string>();
            if (fn.contains("arguments") && fn["arguments"].is_string())
              dst["function"]["arguments"] =
                  dst["function"]["arguments"].get<std::string>() + fn["arguments"].get<std::string>();
          }
        }
      }
    }
  });
  return choices;
}

json responses_output_from_stream(const exchange& x) {
  json terminal, text = "";
  for_each_event(x, [&](std::string_view payload) {
    json ev = parse_lenient(payload);
    if (!ev.is_object()) return;
    std::string type = ev.value("type", "");
    if ((type == "response.completed" || type == "response.incomplete" || type == "response.failed") &&
        ev.contains("response") && ev["response"].is_object() && ev["response"].contains("output"))
      terminal = ev["response"]["output"];
    else if (type == "response.output_text.delta" && ev.contains("delta") && ev["delta"].is_string())
      text = text.get<std::string>() + ev["delta"].get<std::string>();
  });
  if (!terminal.is_null()) return terminal;
  if (text.get<std::string>().empty()) return json::array();
  return json::array({{{"type", "message"}, {"role", "assistant"},
                       {"content", json::array({{{"type", "output_text"}, {"text", text}}})}}});
}

// The completion side: choices (chat, completions), output items (Responses), image results.
json output_of(const exchange& x) {
  if (x.stream) {
    switch (x.ep) {
      case endpoint::chat_completions: return chat_choices_from_stream(x, false);
      case endpoint::completions: return chat_choices_from_stream(x, true);
      case endpoint::responses: return responses_output_from_stream(x);
      default: return nullptr;
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
    case endpoint::responses: return resp.contains("output") ? resp["output"] : nullptr;
    case endpoint::audio_transcriptions:
    case endpoint::audio_translations: return resp.contains("text") ? as_array(resp["text"]) : nullptr;
    case endpoint::images_generations:
    case endpoint::images_edits: {
      if (!resp.contains("data") || !resp["data"].is_array()) return nullptr;
      json out = json::array();
      for (const auto& d : resp["data"]) {
        if (d.contains("url")) out.push_back({{"url", d["url"]}});
        else if (d.contains("b64_json")) out.push_back({{"b64_json", "returned"}});  // as Datadog logs it
      }
      return out;
    }
    default: return nullptr;
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

struct redactor::compiled {
  pcre2_code* code = nullptr;
  pcre2_match_data* match = nullptr;
  std::string replacement;
  bool luhn = false;  // card numbers: only digit runs that pass the Luhn check
  ~compiled() {
    pcre2_match_data_free(match);
    pcre2_code_free(code);
  }
};

redactor::redactor(bool builtin, const std::vector<std::string>& patterns) {
  auto add = [this](const std::string& pattern, std::string replacement, bool luhn) {
    int err = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
    if (code == nullptr) {
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(err, msg, sizeof msg);
      throw std::invalid_argument("redaction pattern \"" + pattern + "\" at offset " + std::to_string(offset) +
                                  ": " + reinterpret_cast<const char*>(msg));
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
    auto c = std::make_unique<compiled>();
    c->code = code;
    c->match = pcre2_match_data_create_from_pattern(code, nullptr);
    c->replacement = std::move(replacement);
    c->luhn = luhn;
    rules_.push_back(std::move(c));
  };
  if (builtin) {
    add(R"((?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*)", "Bearer [REDACTED_TOKEN]", false);
    add(R"(\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,})", "[REDACTED_API_KEY]", false);
    add(R"(\bAKIA[0-9A-Z]{16}\b)", "[REDACTED_API_KEY]", false);
    add(R"([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})", "[REDACTED_EMAIL]", false);
    add(R"((?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-]))", "[REDACTED_CARD]", true);
  }
  for (const auto& p : patterns) add(p, "[REDACTED]", false);
}

redactor::~redactor() = default;
redactor::redactor(redactor&&) noexcept = default;

size_t redactor::apply(std::string& text) const {
  size_t total = 0;
  for (const auto& rule : rules_) {
    std::string out;
    size_t start = 0, copied = 0, n = 0;
    while (start <= text.size()) {
      int rc = pcre2_match(rule->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), start, 0,
                           rule->match, nullptr);
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
  bool valid = true;
  for (size_t i = 0; i < s.size() && valid;) {
    size_t n = utf8_len(s, i);
    valid = n != 0;
    i += n;
  }
  if (!valid) s = sanitize_utf8(s);
  if (s.size() <= max_bytes) return;
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xc0) == 0x80) --cut;  // not inside a sequence
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
