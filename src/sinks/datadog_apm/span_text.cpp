#include "sinks/datadog_apm/span_text.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace llmtap::sinks {
namespace {

using json = nlohmann::json;

// Text of a value: a string, or the text parts of a content array ({"type":"text","text":...}),
// joined by a space. Other shapes (images, token arrays) are shown as their JSON.
std::string text_of(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string out;
    bool all_text = true;
    for (const auto& p : v) {
      // (Appended in two steps: `"" + std::string` trips GCC 12's -Wrestrict false positive.)
      if (p.is_string()) {
        if (!out.empty()) out += ' ';
        out += p.get_ref<const std::string&>();
      } else if (p.is_object() && p.contains("text") && p["text"].is_string()) {
        if (!out.empty()) out += ' ';
        out += p["text"].get_ref<const std::string&>();
      } else {
        all_text = false;
      }
    }
    if (all_text || !out.empty()) return out;
  }
  if (v.is_null()) return {};
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

json parse(const std::string& s) {
  return s.empty() ? json() : json::parse(s, nullptr, false);
}

}  // namespace

std::string span_trunc(std::string_view text, size_t limit) {
  std::string out;
  out.reserve(std::min(text.size(), limit * 4) + 8);
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xc0) != 0x80) {  // a code point starts here
      if (chars == limit) {
        out += "...";
        return out;
      }
      ++chars;
    }
    if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else
      out += static_cast<char>(c);
  }
  return out;
}

void sampled_text_tags(const exchange& x, const tag_sink& add, size_t limit) {
  if (!x.sampled) return;
  json in = parse(x.sample_input), out = parse(x.sample_output);
  auto put = [&](const std::string& key, const json& v) {
    if (!v.is_null()) add(key, span_trunc(text_of(v), limit));
  };
  if (in.is_array()) {
    for (size_t i = 0; i < in.size(); ++i) {
      const json& item = in[i];
      switch (x.ep) {
        case endpoint::chat_completions:
        case endpoint::responses:
          if (item.is_object()) {
            const char* base = x.ep == endpoint::chat_completions ? "openai.request.messages"
                                                                  : "openai.request.input";
            if (item.contains("content"))
              put(fmt::format("{}.{}.content", base, i), item["content"]);
            if (item.contains("role") && item["role"].is_string())
              add(fmt::format("{}.{}.role", base, i), item["role"].get<std::string>());
            if (item.contains("name") && item["name"].is_string())
              add(fmt::format("{}.{}.name", base, i), item["name"].get<std::string>());
          } else {
            put(fmt::format("openai.request.input.{}", i), item);
          }
          break;
        case endpoint::completions:
          put(fmt::format("openai.request.prompt.{}", i), item);
          break;
        case endpoint::images_generations:
        case endpoint::images_edits:
          if (i == 0) put("openai.request.prompt", item);
          break;
        default:  // embeddings, moderations
          put(fmt::format("openai.request.input.{}", i), item);
          break;
      }
    }
  }
  if (!out.is_array()) return;
  for (size_t i = 0; i < out.size(); ++i) {
    const json& o = out[i];
    switch (x.ep) {
      case endpoint::chat_completions:
      case endpoint::completions: {
        if (!o.is_object()) break;
        if (o.contains("text")) put(fmt::format("openai.response.choices.{}.text", i), o["text"]);
        if (o.contains("message") && o["message"].is_object()) {
          const json& m = o["message"];
          if (m.contains("content"))
            put(fmt::format("openai.response.choices.{}.message.content", i), m["content"]);
          if (m.contains("role") && m["role"].is_string())
            add(fmt::format("openai.response.choices.{}.message.role", i),
                m["role"].get<std::string>());
          if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
            for (size_t j = 0; j < m["tool_calls"].size(); ++j) {
              const json& tc = m["tool_calls"][j];
              const json& fn = tc.is_object() && tc.contains("function") ? tc["function"] : tc;
              if (!fn.is_object()) continue;
              if (fn.contains("name"))
                put(fmt::format("openai.response.choices.{}.message.tool_calls.{}.name", i, j),
                    fn["name"]);
              if (fn.contains("arguments"))
                put(fmt::format("openai.response.choices.{}.message.tool_calls.{}.arguments", i, j),
                    fn["arguments"]);
            }
          }
        }
        if (o.contains("finish_reason") && o["finish_reason"].is_string())
          add(fmt::format("openai.response.choices.{}.finish_reason", i),
              o["finish_reason"].get<std::string>());
        break;
      }
      case endpoint::audio_transcriptions:
      case endpoint::audio_translations:
        if (i == 0) put("openai.response.text", o);
        break;
      case endpoint::images_generations:
      case endpoint::images_edits:
        if (o.is_object() && o.contains("url"))
          put(fmt::format("openai.response.images.{}.url", i), o["url"]);
        else if (o.is_object() && o.contains("b64_json"))
          add(fmt::format("openai.response.images.{}.b64_json", i), "returned");
        break;
      default:  // the Responses API: output items (messages with content parts, tool calls)
        if (o.is_object() && o.contains("content"))
          put(fmt::format("openai.response.output.{}.content", i), o["content"]);
        break;
    }
  }
}

}  // namespace llmtap::sinks
