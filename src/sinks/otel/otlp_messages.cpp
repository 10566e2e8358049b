#include "sinks/otel/otlp_messages.h"

#include "sinks/otel/semconv.h"

namespace llmtap::sinks::otlp {
namespace {

using json = nlohmann::json;

std::string str(const json& o, const char* key) {
  if (!o.is_object()) return {};
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}
const json* member(const json& o, const char* key) {
  if (!o.is_object()) return nullptr;
  auto it = o.find(key);
  return it == o.end() || it->is_null() ? nullptr : &*it;
}
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Tool arguments arrive as JSON text; the conventions' `arguments` is any value, so valid JSON
// is passed as the object it encodes, anything else (a cut sample) as the text.
json arguments_of(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_discarded() ? json(text) : parsed;
}

// "data:image/png;base64,AAAA" -> ("image/png", "AAAA").
bool split_data_url(const std::string& url, std::string& mime, std::string& data) {
  if (url.rfind("data:", 0) != 0) return false;
  size_t semi = url.find(';'), comma = url.find(',');
  if (comma == std::string::npos) return false;
  mime = url.substr(5, std::min(semi, comma) - 5);
  data = url.substr(comma + 1);
  return true;
}

// One OpenAI content part (chat or Responses) as a conventions part.
json part_of(const json& p) {
  const std::string type = str(p, "type");
  if (type == "text" || type == "input_text" || type == "output_text")
    return {{"type", "text"}, {"content", str(p, "text")}};
  if (type == "refusal") return {{"type", "refusal"}, {"content", str(p, "refusal")}};
  if (type == "image_url" || type == "input_image") {
    const json* iu = member(p, "image_url");
    std::string url = iu == nullptr     ? ""
                      : iu->is_string() ? iu->get<std::string>()
                                        : str(*iu, "url");
    std::string mime, data;
    if (split_data_url(url, mime, data))
      return {{"type", "blob"}, {"modality", "image"}, {"mime_type", mime}, {"content", data}};
    if (!url.empty()) return {{"type", "uri"}, {"modality", "image"}, {"uri", url}};
    if (std::string id = str(p, "file_id"); !id.empty())
      return {{"type", "file"}, {"modality", "image"}, {"file_id", id}};
  }
  if (type == "input_audio") {
    const json* a = member(p, "input_audio");
    if (a != nullptr)
      return {{"type", "blob"},
              {"modality", "audio"},
              {"mime_type", "audio/" + str(*a, "format")},
              {"content", str(*a, "data")}};
  }
  if (type == "file" || type == "input_file") {
    const json* f = member(p, "file");
    std::string id = f != nullptr ? str(*f, "file_id") : str(p, "file_id");
    if (!id.empty()) return {{"type", "file"}, {"modality", "document"}, {"file_id", id}};
  }
  return {{"type", type.empty() ? "unknown" : type}};  // GenericPart: the kind, not its bytes
}

void add_content(json& parts, const json* content) {
  if (content == nullptr) return;
  if (content->is_string()) {
    parts.push_back({{"type", "text"}, {"content", *content}});
  } else if (content->is_array()) {
    for (const auto& p : *content)
      parts.push_back(p.is_string() ? json{{"type", "text"}, {"content", p}} : part_of(p));
  }
}

// The text of a content value (a string, or the text parts of an array), for tool results.
json text_of(const json* content) {
  if (content == nullptr) return nullptr;
  if (!content->is_array()) return *content;
  std::string text;
  for (const auto& p : *content) text += p.is_string() ? p.get<std::string>() : str(p, "text");
  return text;
}

void add_tool_calls(json& parts, const json& m) {
  if (const json* calls = member(m, "tool_calls"); calls != nullptr && calls->is_array()) {
    for (const auto& tc : *calls) {
      const json* fn = member(tc, "function");
      json part = {
          {"type", "tool_call"}, {"id", str(tc, "id")}, {"name", fn ? str(*fn, "name") : ""}};
      part["arguments"] = fn ? arguments_of(str(*fn, "arguments")) : json(nullptr);
      parts.push_back(std::move(part));
    }
  }
  if (const json* fc = member(m, "function_call"); fc != nullptr)  // the pre-tools shape
    parts.push_back({{"type", "tool_call"},
                     {"id", nullptr},
                     {"name", str(*fc, "name")},
                     {"arguments", arguments_of(str(*fc, "arguments"))}});
}

// One input item: a chat message, a Responses input item, or a bare prompt string.
json input_message(const json& m) {
  if (m.is_string())
    return {{"role", "user"}, {"parts", json::array({{{"type", "text"}, {"content", m}}})}};
  json out = {{"role", "user"}, {"parts", json::array()}};
  json& parts = out["parts"];
  const std::string type = str(m, "type"), role = str(m, "role");
  if (type == "function_call_output") {
    out["role"] = "tool";
    parts.push_back({{"type", "tool_call_response"},
                     {"id", str(m, "call_id")},
                     {"response", text_of(member(m, "output"))}});
  } else if (type == "function_call") {
    out["role"] = "assistant";
    parts.push_back({{"type", "tool_call"},
                     {"id", str(m, "call_id")},
                     {"name", str(m, "name")},
                     {"arguments", arguments_of(str(m, "arguments"))}});
  } else if (role == "tool") {
    out["role"] = "tool";
    parts.push_back({{"type", "tool_call_response"},
                     {"id", str(m, "tool_call_id")},
                     {"response", text_of(member(m, "content"))}});
  } else {
    if (!role.empty()) out["role"] = role;
    add_content(parts, member(m, "content"));
    add_tool_calls(parts, m);
    if (std::string name = str(m, "name"); !name.empty()) out["name"] = name;
  }
  return out;
}

// Responses output items (message, function_call, reasoning...) as the parts of one message.
void add_output_item(json& parts, const json& item) {
  const std::string type = str(item, "type");
  if (type == "message") {
    add_content(parts, member(item, "content"));
  } else if (type == "function_call") {
    parts.push_back({{"type", "tool_call"},
                     {"id", str(item, "call_id")},
                     {"name", str(item, "name")},
                     {"arguments", arguments_of(str(item, "arguments"))}});
  } else if (type == "reasoning") {
    if (const json* s = member(item, "summary"); s != nullptr && s->is_array())
      for (const auto& p : *s)
        parts.push_back({{"type", "reasoning"}, {"content", str(p, "text")}});
  } else if (!type.empty()) {
    parts.push_back({{"type", type}});  // server-side tools (web_search_call...): the kind only
  }
}

json parse_array(const std::string& text) {
  json a = json::parse(text, nullptr, false);
  return a.is_array() ? a : json();
}

bool has_content(const exchange& x) {
  return x.sampled && is_inference(x.ep);
}

}  // namespace

std::string gen_ai_finish_reason(std::string_view r) {
  if (r == "tool_calls" || r == "function_call") return "tool_call";
  return std::string(r);
}

std::string input_messages(const exchange& x) {
  if (!has_content(x)) return {};
  json in = parse_array(x.sample_input);
  if (in.empty()) return {};
  json out = json::array();
  for (const auto& m : in)
    if (m.is_string() || m.is_object()) out.push_back(input_message(m));
  return out.empty() ? std::string() : dump(out);
}

std::string output_messages(const exchange& x) {
  if (!has_content(x)) return {};
  json in = parse_array(x.sample_output);
  if (in.empty()) return {};
  json out = json::array();
  if (x.ep == endpoint::responses) {
    // Responses has no choices: its output items make one assistant message.
    json m = {{"role", "assistant"}, {"parts", json::array()}};
    for (const auto& item : in) add_output_item(m["parts"], item);
    bool called = false;
    for (const auto& p : m["parts"]) called = called || str(p, "type") == "tool_call";
    const std::string reason = finish_reason(x);
    m["finish_reason"] = called           ? "tool_call"
                         : reason.empty() ? "stop"
                                          : gen_ai_finish_reason(reason);
    out.push_back(std::move(m));
  } else {
    for (const auto& c : in) {
      if (!c.is_object()) continue;
      json m = {{"role", "assistant"}, {"parts", json::array()}};
      if (const json* msg = member(c, "message"); msg != nullptr) {
        if (std::string role = str(*msg, "role"); !role.empty()) m["role"] = role;
        add_content(m["parts"], member(*msg, "content"));
        if (std::string refusal = str(*msg, "refusal"); !refusal.empty())
          m["parts"].push_back({{"type", "refusal"}, {"content", refusal}});
        add_tool_calls(m["parts"], *msg);
      } else {
        add_content(m["parts"], member(c, "text"));  // completions
      }
      std::string reason = str(c, "finish_reason");
      m["finish_reason"] = reason.empty() ? "error" : gen_ai_finish_reason(reason);
      out.push_back(std::move(m));
    }
  }
  return out.empty() ? std::string() : dump(out);
}

std::vector<legacy_event> legacy_events(const exchange& x) {
  std::vector<legacy_event> events;
  if (!has_content(x)) return events;
  auto tool_calls_of = [](const json& parts) {
    json calls = json::array();
    for (const auto& p : parts) {
      if (str(p, "type") != "tool_call") continue;
      const json& args = p["arguments"];
      calls.push_back(
          {{"id", p["id"]},
           {"type", "function"},
           {"function",
            {{"name", p["name"]}, {"arguments", args.is_string() ? args : json(dump(args))}}}});
    }
    return calls;
  };
  for (const auto& m : parse_array(x.sample_input)) {
    if (!m.is_string() && !m.is_object()) continue;
    const json conv = input_message(m);
    const std::string role = conv["role"];
    json body = json::object();
    std::string name;
    if (role == "tool") {
      name = "gen_ai.tool.message";
      body["content"] = conv["parts"][0]["response"];
      body["id"] = conv["parts"][0]["id"];
    } else {
      const bool system = role == "system" || role == "developer";
      name = system                ? "gen_ai.system.message"
             : role == "assistant" ? "gen_ai.assistant.message"
                                   : "gen_ai.user.message";
      // The body keeps the content as it was sent (text, or the array of parts).
      const json* content = m.is_string() ? &m : member(m, "content");
      if (content != nullptr) body["content"] = *content;
      if (role != "user" && role != "assistant" && role != "system")
        body["role"] = role;  // developer...
      if (role == "assistant")
        if (json calls = tool_calls_of(conv["parts"]); !calls.empty())
          body["tool_calls"] = std::move(calls);
    }
    events.push_back({std::move(name), std::move(body)});
  }
  json out = parse_array(output_messages(x));
  for (size_t i = 0; i < out.size(); ++i) {
    const json& m = out[i];
    std::string text;
    for (const auto& p : m["parts"])
      if (str(p, "type") == "text") text += str(p, "content");
    json body = {{"index", i}, {"message", {{"content", text}}}};
    // v1.36's enum spells the tool case tool_calls, and a missing reason MUST be "error".
    std::string reason = m["finish_reason"];
    body["finish_reason"] = reason == "tool_call" ? "tool_calls" : reason;
    if (str(m, "role") != "assistant") body["message"]["role"] = m["role"];
    if (json calls = tool_calls_of(m["parts"]); !calls.empty())
      body["tool_calls"] = std::move(calls);
    events.push_back({"gen_ai.choice", std::move(body)});
  }
  return events;
}

}  // namespace llmtap::sinks::otlp
