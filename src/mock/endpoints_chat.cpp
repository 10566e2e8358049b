// /v1/chat/completions and the legacy /v1/completions: same usage, same stream framing.
#include <optional>

#include "mock/content.h"
#include "mock/endpoints.h"
#include "mock/errors.h"
#include "mock/sse.h"

namespace llmtap::mock {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace detail;

namespace {

constexpr const char* k_fingerprint = "fp_5f0c3a4e1b";

// Content chunks, then the finish chunk, the optional usage chunk and [DONE]. Faults are placed
// halfway through the content so a client has already seen real tokens when they hit.
std::vector<std::string> frame_stream(const std::vector<ordered_json>& content, ordered_json finish,
                                      std::optional<ordered_json> usage_chunk,
                                      const call_context& ctx, std::string_view kind) {
  std::vector<std::string> ev;
  ev.reserve(content.size() + 4);
  std::size_t mid = std::max<std::size_t>(1, content.size() / 2);
  for (std::size_t i = 0; i <= content.size(); ++i) {
    if (i == std::min(mid, content.size())) {
      if (ctx.malformed) ev.push_back(sse_malformed(kind));
      if (ctx.stream_error) {
        ev.push_back("data: " + stream_error_json() + "\n\n");
        return ev;  // the real API ends the stream after an in-band error: no [DONE]
      }
    }
    if (i < content.size()) ev.push_back(sse_data(content[i]));
  }
  ev.push_back(sse_data(finish));
  if (usage_chunk) ev.push_back(sse_data(*usage_chunk));
  ev.push_back(sse_done());
  return ev;
}

bool include_usage(const json& body) {
  auto so = body.find("stream_options");
  return so != body.end() && get_bool(*so, "include_usage", false);
}

struct tool_call {
  std::string id, name, arguments;
};

// Tools offered and not declined, and the model has not just been given a tool result: call a
// tool, like an agent's first turn. Otherwise answer with text. Deterministic either way.
std::optional<tool_call> pick_tool(const json& body, const std::string& last_role, uint64_t seed) {
  auto tools = body.find("tools");
  if (tools == body.end() || !tools->is_array() || tools->empty() || last_role == "tool")
    return std::nullopt;
  const json* fn = nullptr;
  auto choice = body.find("tool_choice");
  if (choice != body.end() && choice->is_string() && *choice == "none") return std::nullopt;
  std::string wanted;
  if (choice != body.end() && choice->is_object() && choice->contains("function") &&
      (*choice)["function"].is_object())
    wanted = (*choice)["function"].value("name", "");
  for (const auto& t : *tools) {
    if (!t.is_object() || !t.contains("function") || !t["function"].is_object()) continue;
    const auto& f = t["function"];
    if (wanted.empty() || f.value("name", "") == wanted) {
      fn = &f;
      break;
    }
  }
  if (!fn) return std::nullopt;
  ordered_json args = ordered_json::object();
  const json* props = nullptr;
  if (fn->contains("parameters") && (*fn)["parameters"].is_object() &&
      (*fn)["parameters"].contains("properties") && (*fn)["parameters"]["properties"].is_object())
    props = &(*fn)["parameters"]["properties"];
  uint64_t i = 0;
  if (props) {
    for (const auto& [key, schema] : props->items()) {
      std::string type = schema.is_object() ? schema.value("type", "string") : "string";
      uint64_t r = mix64(seed + ++i);
      if (schema.is_object() && schema.contains("enum") && schema["enum"].is_array() &&
          !schema["enum"].empty())
        args[key] = schema["enum"][r % schema["enum"].size()];
      else if (type == "integer" || type == "number")
        args[key] = r % 100;
      else if (type == "boolean")
        args[key] = (r & 1) != 0;
      else if (type == "array")
        args[key] = ordered_json::array();
      else if (type == "object")
        args[key] = ordered_json::object();
      else
        args[key] = join(generate_tokens(r, 2));
    }
  }
  return tool_call{"call_" + random_alnum(24), fn->value("name", "tool"), dump_json(args)};
}

// Streamed tool arguments arrive in small fragments; split on UTF-8 boundaries.
std::vector<std::string> fragments(const std::string& s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = std::min(s.size(), i + 4);
    while (j < s.size() && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

ordered_json chat_choice(ordered_json delta, ordered_json finish) {
  return ordered_json{{"index", 0},
                      {"delta", std::move(delta)},
                      {"logprobs", nullptr},
                      {"finish_reason", std::move(finish)}};
}

}  // namespace

reply chat_completions(const call_context& ctx) {
  const json& b = ctx.body;
  auto msgs = b.find("messages");
  if (msgs == b.end() || !msgs->is_array())
    return error_reply(400, "Missing required parameter: 'messages'.", "invalid_request_error",
                       "missing_required_parameter", "messages");
  // Cookbook-style overhead: 3 per message plus 3 to prime the reply.
  uint64_t prompt = 3;
  std::string seed_text = ctx.model, last_role;
  for (const auto& m : *msgs) {
    prompt += 3;
    if (!m.is_object()) continue;
    if (auto c = m.find("content"); c != m.end()) {
      std::string t = content_text(*c);
      prompt += count_tokens(t);
      seed_text += '\n' + t;
    }
    if (auto n = m.find("name"); n != m.end() && n->is_string())
      prompt += 1 + count_tokens(n->get_ref<const std::string&>());
    if (auto r = m.find("role"); r != m.end() && r->is_string()) last_role = r->get<std::string>();
  }
  if (auto t = b.find("tools"); t != b.end()) prompt += count_tokens(t->dump());
  uint64_t seed = fnv1a(seed_text);
  int64_t max_tokens = get_int(b, "max_completion_tokens", get_int(b, "max_tokens", 0));
  auto tool = pick_tool(b, last_role, seed);
  completion_plan plan;
  std::vector<std::string> arg_frags;
  uint64_t completion = 0;
  if (tool) {
    arg_frags = fragments(tool->arguments);
    completion = arg_frags.size() + 1;  // the name is one token, each fragment one more
  } else {
    plan = plan_completion(seed, ctx.forced_tokens, max_tokens);
    completion = plan.tokens.size();
  }
  std::string finish = tool ? "tool_calls" : plan.truncated ? "length" : "stop";
  std::string id = "chatcmpl-" + random_alnum(29);
  reply r;
  r.tokens = prompt + completion;

  if (!get_bool(b, "stream", false)) {
    ordered_json msg{{"role", "assistant"}};
    if (tool) {
      msg["content"] = nullptr;
      msg["tool_calls"] = ordered_json::array(
          {{{"id", tool->id},
            {"type", "function"},
            {"function", {{"name", tool->name}, {"arguments", tool->arguments}}}}});
    } else {
      msg["content"] = join(plan.tokens);
    }
    msg["refusal"] = nullptr;
    msg["annotations"] = ordered_json::array();
    ordered_json j{
        {"id", id}, {"object", "chat.completion"}, {"created", ctx.created}, {"model", ctx.model}};
    j["choices"] = ordered_json::array({{{"index", 0},
                                         {"message", std::move(msg)},
                                         {"logprobs", nullptr},
                                         {"finish_reason", finish}}});
    j["usage"] = chat_usage(prompt, completion);
    j["service_tier"] = "default";
    j["system_fingerprint"] = k_fingerprint;
    r.body = dump_json(j);
    return r;
  }

  bool with_usage = include_usage(b);
  auto chunk = [&](ordered_json choices) {
    ordered_json c{{"id", id},
                   {"object", "chat.completion.chunk"},
                   {"created", ctx.created},
                   {"model", ctx.model},
                   {"service_tier", "default"},
                   {"system_fingerprint", k_fingerprint},
                   {"choices", std::move(choices)}};
    if (with_usage) c["usage"] = nullptr;  // only then: clients key off its presence
    return c;
  };
  std::vector<ordered_json> content;
  if (tool) {
    ordered_json first{{"role", "assistant"}, {"content", nullptr}};
    first["tool_calls"] =
        ordered_json::array({{{"index", 0},
                              {"id", tool->id},
                              {"type", "function"},
                              {"function", {{"name", tool->name}, {"arguments", ""}}}}});
    first["refusal"] = nullptr;
    content.push_back(chunk(ordered_json::array({chat_choice(std::move(first), nullptr)})));
    for (const auto& f : arg_frags) {
      ordered_json d{
          {"tool_calls", ordered_json::array({{{"index", 0}, {"function", {{"arguments", f}}}}})}};
      content.push_back(chunk(ordered_json::array({chat_choice(std::move(d), nullptr)})));
    }
  } else {
    ordered_json first{{"role", "assistant"}, {"content", ""}, {"refusal", nullptr}};
    content.push_back(chunk(ordered_json::array({chat_choice(std::move(first), nullptr)})));
    for (const auto& t : plan.tokens)
      content.push_back(chunk(ordered_json::array({chat_choice({{"content", t}}, nullptr)})));
  }
  ordered_json fin = chunk(ordered_json::array({chat_choice(ordered_json::object(), finish)}));
  std::optional<ordered_json> usage_chunk;
  if (with_usage) {
    usage_chunk = chunk(ordered_json::array());
    (*usage_chunk)["usage"] = chat_usage(prompt, completion);
  }
  r.stream = true;
  r.events =
      frame_stream(content, std::move(fin), std::move(usage_chunk), ctx, "chat.completion.chunk");
  return r;
}

reply completions(const call_context& ctx) {
  const json& b = ctx.body;
  auto p = b.find("prompt");
  uint64_t prompt = 0;
  std::string seed_text = ctx.model;
  if (p != b.end()) {
    // A string, strings, token ids, or arrays of token ids: ids count one token each.
    auto add = [&](const json& x) {
      if (x.is_string()) {
        prompt += count_tokens(x.get_ref<const std::string&>());
        seed_text += '\n' + x.get<std::string>();
      } else if (x.is_number()) {
        ++prompt;
        seed_text += ' ' + x.dump();
      } else if (x.is_array()) {
        prompt += x.size();
        seed_text += x.dump();
      }
    };
    if (p->is_array()) {
      for (const auto& x : *p) add(x);
    } else {
      add(*p);
    }
  }
  uint64_t seed = fnv1a(seed_text);
  // The legacy endpoint defaults max_tokens to 16.
  auto plan = plan_completion(seed, ctx.forced_tokens, get_int(b, "max_tokens", 16));
  uint64_t completion = plan.tokens.size();
  std::string finish = plan.truncated ? "length" : "stop";
  std::string id = "cmpl-" + random_alnum(29);
  reply r;
  r.tokens = prompt + completion;
  auto choice = [](std::string text, ordered_json fin) {
    return ordered_json{{"text", std::move(text)},
                        {"index", 0},
                        {"logprobs", nullptr},
                        {"finish_reason", std::move(fin)}};
  };
  if (!get_bool(b, "stream", false)) {
    ordered_json j{
        {"id", id}, {"object", "text_completion"}, {"created", ctx.created}, {"model", ctx.model}};
    j["choices"] = ordered_json::array({choice(join(plan.tokens), finish)});
    j["usage"] = chat_usage(prompt, completion);
    j["system_fingerprint"] = k_fingerprint;
    r.body = dump_json(j);
    return r;
  }
  bool with_usage = include_usage(b);
  auto chunk = [&](ordered_json choices) {
    ordered_json c{{"id", id},
                   {"object", "text_completion"},
                   {"created", ctx.created},
                   {"choices", std::move(choices)},
                   {"model", ctx.model},
                   {"system_fingerprint", k_fingerprint}};
    if (with_usage) c["usage"] = nullptr;
    return c;
  };
  std::vector<ordered_json> content;
  for (const auto& t : plan.tokens)
    content.push_back(chunk(ordered_json::array({choice(t, nullptr)})));
  ordered_json fin = chunk(ordered_json::array({choice("", finish)}));
  std::optional<ordered_json> usage_chunk;
  if (with_usage) {
    usage_chunk = chunk(ordered_json::array());
    (*usage_chunk)["usage"] = chat_usage(prompt, completion);
  }
  r.stream = true;
  r.events = frame_stream(content, std::move(fin), std::move(usage_chunk), ctx, "text_completion");
  return r;
}

}  // namespace llmtap::mock
