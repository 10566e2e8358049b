#include "pipeline/estimate.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/chat.h"
#include "tokenizer/models.h"

namespace llmtap::pipeline {

namespace {
using json = nlohmann::json;

json parse(std::string_view s) { return json::parse(s.begin(), s.end(), nullptr, false); }

// Text of a message `content`: a string, or an array of parts whose text parts count.
std::string content_text(const json& c) {
  if (c.is_string()) return c.get<std::string>();
  std::string out;
  if (c.is_array())
    for (const auto& part : c)
      if (part.is_object() && part.contains("text") && part["text"].is_string()) out += part["text"].get<std::string>();
  return out;
}

// Strings of a `prompt`/`input` value: a string or an array of strings (token-id arrays count
// their length).
int64_t count_inputs(const tokenizer::encoding& enc, const json& v) {
  if (v.is_string()) return static_cast<int64_t>(enc.count(v.get_ref<const std::string&>()));
  int64_t n = 0;
  if (v.is_array()) {
    for (const auto& e : v) {
      if (e.is_string()) n += static_cast<int64_t>(enc.count(e.get_ref<const std::string&>()));
      else if (e.is_number_integer()) ++n;
      else if (e.is_array()) n += static_cast<int64_t>(e.size());
    }
  }
  return n;
}

int64_t count_messages(const tokenizer::encoding& enc, std::string_view model, const json& messages) {
  std::vector<std::string> texts;
  std::vector<std::string> roles, names;
  texts.reserve(messages.size());
  roles.reserve(messages.size());
  names.reserve(messages.size());
  std::vector<tokenizer::chat_message> msgs;
  for (const auto& m : messages) {
    if (!m.is_object()) continue;
    roles.push_back(m.value("role", ""));
    texts.push_back(content_text(m.contains("content") ? m["content"] : json()));
    names.push_back(m.contains("name") && m["name"].is_string() ? m["name"].get<std::string>() : "");
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    tokenizer::chat_message cm{roles[i], texts[i], std::nullopt};
    if (!names[i].empty()) cm.name = names[i];
    msgs.push_back(cm);
  }
  return tokenizer::count_chat_prompt(enc, tokenizer::chat_rules_for_model(model), msgs);
}

int64_t count_prompt(const tokenizer::encoding& enc, std::string_view model, const exchange& x) {
  if (x.request_body.truncated) return -1;
  json req = parse(x.request_body.bytes);
  if (!req.is_object()) return -1;
  switch (x.ep) {
    case endpoint::chat_completions:
      return req.contains("messages") && req["messages"].is_array() ? count_messages(enc, model, req["messages"]) : -1;
    case endpoint::completions:
      return req.contains("prompt") ? count_inputs(enc, req["prompt"]) : -1;
    case endpoint::embeddings:
      return req.contains("input") ? count_inputs(enc, req["input"]) : -1;
    case endpoint::responses: {
      int64_t n = req.contains("instructions") ? count_inputs(enc, req["instructions"]) : 0;
      if (!req.contains("input")) return n;
      const json& in = req["input"];
      if (in.is_array() && !in.empty() && in[0].is_object()) return n + count_messages(enc, model, in);
      return n + count_inputs(enc, in);
    }
    default:
      return -1;
  }
}

// The generated text of one chat/completions choice object, or of a Responses event or item.
void append_choice_text(const json& choice, bool streamed, std::string& out) {
  const json* msg = nullptr;
  if (streamed && choice.contains("delta")) msg = &choice["delta"];
  else if (choice.contains("message")) msg = &choice["message"];
  if (choice.contains("text") && choice["text"].is_string()) out += choice["text"].get<std::string>();
  if (!msg || !msg->is_object()) return;
  for (const char* k : {"content", "refusal", "reasoning_content"})
    if (msg->contains(k) && (*msg)[k].is_string()) out += (*msg)[k].get<std::string>();
  if (msg->contains("tool_calls") && (*msg)["tool_calls"].is_array())
    for (const auto& tc : (*msg)["tool_calls"])
      if (tc.is_object() && tc.contains("function") && tc["function"].is_object()) {
        const auto& f = tc["function"];
        if (f.contains("name") && f["name"].is_string()) out += f["name"].get<std::string>();
        if (f.contains("arguments") && f["arguments"].is_string()) out += f["arguments"].get<std::string>();
      }
}

void append_body_text(const json& body, bool streamed, std::string& out) {
  if (!body.is_object()) return;
  if (body.contains("choices") && body["choices"].is_array()) {
    for (const auto& c : body["choices"])
      if (c.is_object()) append_choice_text(c, streamed, out);
    return;
  }
  if (streamed) {  // Responses events: every *.delta string is generated text
    auto type = body.value("type", "");
    if (type.size() > 6 && type.compare(type.size() - 6, 6, ".delta") == 0 && body.contains("delta") &&
        body["delta"].is_string())
      out += body["delta"].get<std::string>();
    return;
  }
  if (body.contains("output") && body["output"].is_array())  // Responses, not streamed
    for (const auto& item : body["output"]) {
      if (!item.is_object()) continue;
      if (item.contains("arguments") && item["arguments"].is_string()) out += item["arguments"].get<std::string>();
      if (item.contains("content") && item["content"].is_array())
        for (const auto& part : item["content"])
          if (part.is_object() && part.contains("text") && part["text"].is_string()) out += part["text"].get<std::string>();
    }
}

int64_t count_completion(const tokenizer::encoding& enc, const exchange& x) {
  if (x.ep == endpoint::embeddings) return 0;
  std::string text;
  if (x.stream) {
    std::string_view all = x.stream_content.bytes;
    while (!all.empty()) {
      auto end = all.find(kRecordSeparator);
      append_body_text(parse(all.substr(0, end)), true, text);
      if (end == std::string_view::npos) break;
      all.remove_prefix(end + 1);
    }
  } else {
    if (x.response_body.truncated) return -1;
    json body = parse(x.response_body.bytes);
    if (!body.is_object()) return -1;
    append_body_text(body, false, text);
  }
  return static_cast<int64_t>(enc.count(text));
}
}  // namespace

bool estimate_usage(exchange& x) {
  if (x.usage.source != usage_source::none) return false;
  if (x.status < 200 || x.status >= 300) return false;
  if (x.ep != endpoint::chat_completions && x.ep != endpoint::completions && x.ep != endpoint::embeddings &&
      x.ep != endpoint::responses)
    return false;
  const std::string& model = x.model_served.empty() ? x.model_requested : x.model_served;
  const tokenizer::encoding* enc = tokenizer::encoding_for_model(model);
  if (!enc) return false;
  int64_t in = count_prompt(*enc, model, x);
  int64_t out = count_completion(*enc, x);
  if (in < 0 && out < 0) return false;
  x.usage.input_tokens = in;
  x.usage.output_tokens = out;
  x.usage.total_tokens = in >= 0 && out >= 0 ? in + out : -1;
  x.usage.source = usage_source::estimated;
  return true;
}

}  // namespace llmtap::pipeline
