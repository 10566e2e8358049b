// Completions rebuilt from a stream's kept chunks, for sampled calls (sample_text.h).
#include <simdjson.h>

#include <string>
#include <vector>

#include "pipeline/sample_text.h"

namespace llmtap::pipeline::sample_text {
namespace {

using json = nlohmann::json;

namespace od = simdjson::ondemand;

// Streams are rebuilt from every kept chunk: parsing each one into a tree (as before) cost ~1.5 M
// instructions per sampled stream. The chunks are read with simdjson's on-demand parser into
// these accumulators instead, and the tree is built once at the end.
struct tool_call_acc {
  std::string id, name, arguments;
  bool has_id = false;
};
struct choice_acc {
  std::string role = "assistant", content, text;
  std::string finish_reason;
  bool has_finish = false, has_tools = false;
  std::vector<tool_call_acc> tools;
};

// Iterates one payload's root object with a padded copy (simdjson reads a little past the end);
// invalid UTF-8 is mended first, as everywhere else.
template <class Fn>
void with_payload_object(std::string_view payload, Fn&& fn) {
  thread_local od::parser parser;
  thread_local std::string buf;
  if (utf8_valid(payload))
    buf.assign(payload);
  else
    buf = sanitize_utf8(payload);
  const size_t len = buf.size();
  buf.append(simdjson::SIMDJSON_PADDING, ' ');
  od::document doc;
  od::object root;
  if (parser.iterate(simdjson::padded_string_view(buf.data(), len, buf.size())).get(doc)) return;
  if (doc.get_object().get(root)) return;
  fn(root);
}

bool field_key(od::field& f, std::string_view& k) {
  return !f.unescaped_key().get(k);
}

// Appends a string value; false when it is not a string (null, a number...).
bool append_string(od::value v, std::string& out) {
  std::string_view sv;
  if (v.get_string().get(sv)) return false;
  out.append(sv);
  return true;
}

void read_tool_calls(od::value v, choice_acc& c) {
  od::array calls;
  if (v.get_array().get(calls)) return;
  c.has_tools = true;
  for (auto item : calls) {
    od::object tc;
    if (item.get_object().get(tc)) continue;
    int64_t k = 0;
    std::string id, name, args;
    bool has_id = false;
    for (auto f : tc) {
      od::field field;
      std::string_view key;
      if (std::move(f).get(field) || !field_key(field, key)) break;
      if (key == "index") {
        if (field.value().get_int64().get(k)) k = 0;
      } else if (key == "id") {
        has_id = append_string(field.value(), id);
      } else if (key == "function") {
        od::object fn;
        if (field.value().get_object().get(fn)) continue;
        for (auto g : fn) {
          od::field ff;
          std::string_view fk;
          if (std::move(g).get(ff) || !field_key(ff, fk)) break;
          if (fk == "name")
            append_string(ff.value(), name);
          else if (fk == "arguments")
            append_string(ff.value(), args);
        }
      }
    }
    if (k < 0 || k > 64) continue;
    if (c.tools.size() <= static_cast<size_t>(k)) c.tools.resize(static_cast<size_t>(k) + 1);
    tool_call_acc& dst = c.tools[static_cast<size_t>(k)];
    if (has_id) {
      dst.id = std::move(id);
      dst.has_id = true;
    }
    dst.name += name;
    dst.arguments += args;
  }
}

void read_chunk_choices(od::object& root, std::vector<choice_acc>& acc, bool text_completion) {
  for (auto f : root) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) || !field_key(field, key)) return;
    if (key != "choices") continue;
    od::array choices;
    if (field.value().get_array().get(choices)) return;
    for (auto item : choices) {
      od::object ch;
      if (item.get_object().get(ch)) continue;
      // Fields come in any order, the index among them: collect, then apply.
      int64_t i = 0;
      choice_acc delta;
      for (auto g : ch) {
        od::field cf;
        std::string_view ck;
        if (std::move(g).get(cf) || !field_key(cf, ck)) break;
        if (ck == "index") {
          if (cf.value().get_int64().get(i)) i = 0;
        } else if (ck == "finish_reason") {
          delta.has_finish = append_string(cf.value(), delta.finish_reason);
        } else if (ck == "text" && text_completion) {
          append_string(cf.value(), delta.text);
        } else if (ck == "delta" && !text_completion) {
          od::object d;
          if (cf.value().get_object().get(d)) continue;
          for (auto h : d) {
            od::field df;
            std::string_view dk;
            if (std::move(h).get(df) || !field_key(df, dk)) break;
            if (dk == "role") {
              std::string role;
              if (append_string(df.value(), role)) delta.role = std::move(role);
            } else if (dk == "content") {
              append_string(df.value(), delta.content);
            } else if (dk == "tool_calls") {
              read_tool_calls(df.value(), delta);
            }
          }
        }
      }
      if (i < 0 || i > 64) continue;
      if (acc.size() <= static_cast<size_t>(i)) acc.resize(static_cast<size_t>(i) + 1);
      choice_acc& c = acc[static_cast<size_t>(i)];
      if (delta.has_finish) {
        c.finish_reason = std::move(delta.finish_reason);
        c.has_finish = true;
      }
      c.text += delta.text;
      if (delta.role != "assistant") c.role = std::move(delta.role);
      c.content += delta.content;
      if (delta.has_tools) {
        c.has_tools = true;
        if (c.tools.size() < delta.tools.size()) c.tools.resize(delta.tools.size());
        for (size_t k = 0; k < delta.tools.size(); ++k) {
          if (delta.tools[k].has_id) {
            c.tools[k].id = std::move(delta.tools[k].id);
            c.tools[k].has_id = true;
          }
          c.tools[k].name += delta.tools[k].name;
          c.tools[k].arguments += delta.tools[k].arguments;
        }
      }
    }
    return;
  }
}

}  // namespace

json chat_choices_from_stream(const exchange& x, bool text_completion) {
  std::vector<choice_acc> acc;
  for_each_event(x, [&](std::string_view payload) {
    with_payload_object(payload,
                        [&](od::object& root) { read_chunk_choices(root, acc, text_completion); });
  });
  json choices = json::array();
  for (size_t i = 0; i < acc.size(); ++i) {
    const choice_acc& c = acc[i];
    json out = {{"index", i},
                {"finish_reason", c.has_finish ? json(c.finish_reason) : json(nullptr)}};
    if (text_completion) {
      out["text"] = c.text;
    } else {
      json m = {{"role", c.role}, {"content", c.content}};
      if (c.has_tools) {
        json calls = json::array();
        for (const auto& t : c.tools) {
          json call = {{"function", {{"name", t.name}, {"arguments", t.arguments}}}};
          if (t.has_id) call["id"] = t.id;
          calls.push_back(std::move(call));
        }
        m["tool_calls"] = std::move(calls);
      }
      out["message"] = std::move(m);
    }
    choices.push_back(std::move(out));
  }
  return choices;
}

json responses_output_from_stream(const exchange& x) {
  json terminal;
  std::string text;
  for_each_event(x, [&](std::string_view payload) {
    bool is_terminal = false;
    with_payload_object(payload, [&](od::object& root) {
      std::string type, delta;
      for (auto f : root) {
        od::field field;
        std::string_view key;
        if (std::move(f).get(field) || !field_key(field, key)) break;
        if (key == "type")
          append_string(field.value(), type);
        else if (key == "delta")
          append_string(field.value(), delta);
      }
      if (type == "response.completed" || type == "response.incomplete" ||
          type == "response.failed")
        is_terminal = true;
      else if (type == "response.output_text.delta")
        text += delta;
    });
    if (!is_terminal) return;
    // The one event that carries the whole output: parsed into a tree, kept as it is.
    json ev = parse_lenient(payload);
    if (ev.is_object() && ev.contains("response") && ev["response"].is_object() &&
        ev["response"].contains("output"))
      terminal = ev["response"]["output"];
  });
  if (!terminal.is_null()) return terminal;
  if (text.empty()) return json::array();
  return json::array({{{"type", "message"},
                       {"role", "assistant"},
                       {"content", json::array({{{"type", "output_text"}, {"text", text}}})}}});
}

}  // namespace llmtap::pipeline::sample_text
