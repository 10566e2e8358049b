#include "sinks/otel/otlp_messages.h"

#include <nlohmann/json.hpp>

namespace llmtap::sinks::otlp {
namespace {

using json = nlohmann::json;

// One OpenAI content value (a string, or an array of typed parts) as GenAI parts.
void add_parts(json& parts, const json& content) {
  if (content.is_string()) {
    parts.push_back({{"type", "text"}, {"content", content}});
  } else if (content.is_array()) {
    for (const auto& p : content) {
      std::string type = p.is_object() ? p.value("type", "") : "";
      if (p.is_object() && p.contains("text") && p["text"].is_string())
        parts.push_back({{"type", "text"}, {"content", p["text"]}});
      else if (!type.empty())
        parts.push_back({{"type", type}});  // images, audio, files: their kind, not their bytes
    }
  }
}

void add_tool_calls(json& parts, const json& message) {
  if (!message.contains("tool_calls") || !message["tool_calls"].is_array()) return;
  for (const auto& tc : message["tool_calls"]) {
    json part = {{"type", "tool_call"}};
    if (tc.contains("id")) part["id"] = tc["id"];
    if (tc.contains("function") && tc["function"].is_object()) {
      part["name"] = tc["function"].value("name", "");
      part["arguments"] = tc["function"].value("arguments", "");
    }
    parts.push_back(std::move(part));
  }
}

json message_of(const json& m, const char* default_role) {
  json out = {{"role", default_role}, {"parts", json::array()}};
  if (m.is_string()) {
    add_parts(out["parts"], m);
    return out;
  }
  if (!m.is_object()) return out;
  if (m.contains("role") && m["role"].is_string()) out["role"] = m["role"];
  if (m.contains("content")) add_parts(out["parts"], m["content"]);
  if (m.contains("text")) add_parts(out["parts"], m["text"]);
  add_tool_calls(out["parts"], m);
  if (m.contains("tool_call_id")) out["parts"].push_back({{"type", "tool_call_response"}, {"id", m["tool_call_id"]}});
  return out;
}

std::string dump(const json& j) { return j.empty() ? std::string() : j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace

std::string input_messages(const exchange& x) {
  json in = json::parse(x.sample_input, nullptr, false);
  if (!in.is_array()) return {};
  json out = json::array();
  for (const auto& m : in) out.push_back(message_of(m, "user"));
  return dump(out);
}

std::string output_messages(const exchange& x) {
  json in = json::parse(x.sample_output, nullptr, false);
  if (!in.is_array()) return {};
  json out = json::array();
  for (const auto& c : in) {
    if (!c.is_object()) continue;
    // chat choices carry a message, completions a text, Responses output items are the message
    json m = c.contains("message") ? message_of(c["message"], "assistant") : message_of(c, "assistant");
    if (c.contains("finish_reason") && c["finish_reason"].is_string()) m["finish_reason"] = c["finish_reason"];
    out.push_back(std::move(m));
  }
  return dump(out);
}

}  // namespace llmtap::sinks::otlp
