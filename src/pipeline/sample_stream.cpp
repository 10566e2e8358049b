// Completions rebuilt from a stream's kept chunks, for sampled calls (sample_text.h).
#include <string>
#include <vector>

#include "pipeline/sample_text.h"

namespace llmtap::pipeline::sample_text {
namespace {

namespace dom = simdjson::dom;

// Each chunk is parsed with the DOM parser (the header-inlined on-demand API would run
// simdjson's slow fallback kernel in this build) and read into these accumulators; the sample is
// written once at the end. Fields are read in document order, duplicates included, as the
// accumulation has always done.
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

// Calls fn(root) when one payload is a JSON object (invalid UTF-8 mended first, as everywhere;
// a chunk with a byte order mark was never read, and is not now).
template <class Fn>
void with_payload_object(std::string_view payload, workspace& ws, Fn&& fn) {
  if (payload == "[DONE]") return;  // every chat stream's last event: not JSON, not parsed
  dom::element doc;
  dom::object root;
  if (!sample_json::parse(ws.parser, payload, ws.mended, /*skip_bom=*/false, doc)) return;
  if (doc.get_object().get(root) != simdjson::SUCCESS) return;
  fn(root);
}

// Appends a string value; false when it is not a string (null, a number...).
bool append_string(dom::element v, std::string& out) {
  std::string_view sv;
  if (v.get_string().get(sv) != simdjson::SUCCESS) return false;
  out.append(sv);
  return true;
}

// An index field: 0 unless it is an integer that fits 64 signed bits.
int64_t index_of(dom::element v) {
  int64_t i = 0;
  if (v.get_int64().get(i) != simdjson::SUCCESS) i = 0;
  return i;
}

// Tool call fragments go straight into the choice's calls: an id replaces the one before, names
// and arguments are appended, in document order.
void read_tool_calls(dom::element v, choice_acc& c) {
  dom::array calls;
  if (v.get_array().get(calls) != simdjson::SUCCESS) return;
  c.has_tools = true;
  for (dom::element item : calls) {
    dom::object tc;
    if (item.get_object().get(tc) != simdjson::SUCCESS) continue;
    int64_t k = 0;
    std::string id, name, args;
    bool has_id = false;
    for (dom::key_value_pair f : tc) {
      if (f.key == "index") {
        k = index_of(f.value);
      } else if (f.key == "id") {
        has_id = append_string(f.value, id);
      } else if (f.key == "function") {
        dom::object fn;
        if (f.value.get_object().get(fn) != simdjson::SUCCESS) continue;
        for (dom::key_value_pair g : fn) {
          if (g.key == "name")
            append_string(g.value, name);
          else if (g.key == "arguments")
            append_string(g.value, args);
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

// One choice of one chunk. Its fields come in any order, the index among them: a first pass
// finds the index (the last one counts), the second applies the fields to that choice in
// document order (text appended; the last role and finish reason that are strings win).
void read_choice(dom::object ch, bool text_completion, std::vector<choice_acc>& acc) {
  int64_t i = 0;
  for (dom::key_value_pair f : ch)
    if (f.key == "index") i = index_of(f.value);
  if (i < 0 || i > 64) return;
  if (acc.size() <= static_cast<size_t>(i)) acc.resize(static_cast<size_t>(i) + 1);
  choice_acc& c = acc[static_cast<size_t>(i)];
  std::string_view role = "assistant";
  std::string finish;
  bool has_finish = false;
  for (dom::key_value_pair f : ch) {
    if (f.key == "finish_reason") {
      has_finish = append_string(f.value, finish);
    } else if (f.key == "text" && text_completion) {
      append_string(f.value, c.text);
    } else if (f.key == "delta" && !text_completion) {
      dom::object d;
      if (f.value.get_object().get(d) != simdjson::SUCCESS) continue;
      for (dom::key_value_pair g : d) {
        if (g.key == "role") {
          std::string_view r;
          if (g.value.get_string().get(r) == simdjson::SUCCESS) role = r;
        } else if (g.key == "content") {
          append_string(g.value, c.content);
        } else if (g.key == "tool_calls") {
          read_tool_calls(g.value, c);
        }
      }
    }
  }
  if (has_finish) {
    c.finish_reason = std::move(finish);
    c.has_finish = true;
  }
  if (role != "assistant") c.role = role;
}

// Only the first "choices" field of a chunk counts.
void read_chunk_choices(dom::object root, std::vector<choice_acc>& acc, bool text_completion) {
  for (dom::key_value_pair f : root) {
    if (f.key != "choices") continue;
    dom::array choices;
    if (f.value.get_array().get(choices) != simdjson::SUCCESS) return;
    for (dom::element item : choices) {
      dom::object ch;
      if (item.get_object().get(ch) == simdjson::SUCCESS) read_choice(ch, text_completion, acc);
    }
    return;
  }
}

// {"function":{"arguments":...,"name":...},"id":...}: keys in byte order, as the sample's JSON
// has them.
void write_tool_call(const tool_call_acc& t, sample_json::writer& w) {
  w.raw("{\"function\":{\"arguments\":");
  w.text(t.arguments);
  w.raw(",\"name\":");
  w.text(t.name);
  w.raw('}');
  if (t.has_id) {
    w.raw(",\"id\":");
    w.text(t.id);
  }
  w.raw('}');
}

}  // namespace

void write_chat_stream(const exchange& x, bool text_completion, workspace& ws) {
  std::vector<choice_acc> acc;
  for_each_event(x, [&](std::string_view payload) {
    with_payload_object(payload, ws,
                        [&](dom::object root) { read_chunk_choices(root, acc, text_completion); });
  });
  sample_json::writer& w = ws.w;
  w.raw('[');
  for (size_t i = 0; i < acc.size(); ++i) {
    const choice_acc& c = acc[i];
    if (i > 0) w.raw(',');
    w.raw("{\"finish_reason\":");
    if (c.has_finish)
      w.text(c.finish_reason);
    else
      w.raw("null");
    w.raw(",\"index\":");
    w.number(i);
    if (text_completion) {
      w.raw(",\"text\":");
      w.text(c.text);
    } else {
      w.raw(",\"message\":{\"content\":");
      w.text(c.content);
      w.raw(",\"role\":");
      w.text(c.role);
      if (c.has_tools) {
        w.raw(",\"tool_calls\":[");
        for (size_t k = 0; k < c.tools.size(); ++k) {
          if (k > 0) w.raw(',');
          write_tool_call(c.tools[k], w);
        }
        w.raw(']');
      }
      w.raw('}');
    }
    w.raw('}');
  }
  w.raw(']');
}

void write_responses_stream(const exchange& x, workspace& ws) {
  sample_json::writer& w = ws.w;
  // The terminal event carries the whole output. It is written as soon as it is seen (its
  // parsed form ends with the next parse); a later terminal event replaces it.
  bool has_terminal = false;
  std::string text, type, delta;  // type and delta: each event's, reused
  for_each_event(x, [&](std::string_view payload) {
    with_payload_object(payload, ws, [&](dom::object root) {
      type.clear();
      delta.clear();
      for (dom::key_value_pair f : root) {
        if (f.key == "type")
          append_string(f.value, type);
        else if (f.key == "delta")
          append_string(f.value, delta);
      }
      if (type == "response.output_text.delta") text += delta;
      if (type != "response.completed" && type != "response.incomplete" &&
          type != "response.failed")
        return;
      dom::element response, output;
      dom::object r;
      if (!sample_json::last_field(root, "response", response) ||
          response.get_object().get(r) != simdjson::SUCCESS ||
          !sample_json::last_field(r, "output", output))
        return;
      has_terminal = !output.is_null();  // an output of null counts as none
      w.out().clear();
      if (has_terminal) w.value(output);
    });
  });
  if (has_terminal) return;
  w.out().clear();
  if (text.empty()) {
    w.raw("[]");
    return;
  }
  w.raw("[{\"content\":[{\"text\":");
  w.text(text);
  w.raw(",\"type\":");
  w.text("output_text");
  w.raw("}],\"role\":");
  w.text("assistant");
  w.raw(",\"type\":");
  w.text("message");
  w.raw("}]");
}

}  // namespace llmtap::pipeline::sample_text
