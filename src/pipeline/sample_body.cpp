// The prompt and completion sides of a sampled call, from its JSON bodies (sample_text.h), in the
// shape Datadog's log records use for each endpoint. Written straight from simdjson's DOM:
// nothing is copied into a tree first.
#include <string_view>

#include "pipeline/sample_text.h"

namespace llmtap::pipeline::sample_text {
namespace {

namespace dom = simdjson::dom;

// The body's root object; false when nothing whole was captured or it is not a JSON object.
bool root_object(const capture& body, workspace& ws, dom::object& root) {
  if (body.bytes.empty() || body.truncated) return false;
  dom::element doc;
  if (!sample_json::parse(ws.parser, body.bytes, ws.mended, /*skip_bom=*/true, doc)) return false;
  return doc.get_object().get(root) == simdjson::SUCCESS;
}

// A list either way: an array as it is, any other value as its only item, null as [].
void write_as_array(dom::element v, sample_json::writer& w) {
  if (v.is_array()) {
    w.value(v);
    return;
  }
  w.raw('[');
  if (!v.is_null()) w.value(v);
  w.raw(']');
}

// `key`'s value as a list; false when the body has no such key.
bool write_field_as_array(dom::object o, std::string_view key, sample_json::writer& w) {
  dom::element v;
  if (!sample_json::last_field(o, key, v)) return false;
  write_as_array(v, w);
  return true;
}

// {"content":<content>,"role":"<role>"}: the Responses API's instructions and string input as
// chat messages.
void write_message(dom::element content, std::string_view role, sample_json::writer& w) {
  w.raw('{');
  w.key("content");
  w.value(content);
  w.raw(',');
  w.key("role");
  w.text(role);
  w.raw('}');
}

void write_responses_input(dom::object req, sample_json::writer& w) {
  w.raw('[');
  bool first = true;
  auto comma = [&] {
    if (!first) w.raw(',');
    first = false;
  };
  dom::element v;
  if (sample_json::last_field(req, "instructions", v) && v.is_string()) {
    comma();
    write_message(v, "system", w);
  }
  if (sample_json::last_field(req, "input", v)) {
    if (v.is_string()) {
      comma();
      write_message(v, "user", w);
    } else if (v.is_array()) {
      const dom::array items = v.get_array().value_unsafe();
      for (dom::element item : items) {
        comma();
        w.value(item);
      }
    }
  }
  w.raw(']');
}

// Each choice with only the fields that carry the completion (keys already in byte order).
bool write_choices(dom::object resp, sample_json::writer& w) {
  dom::element choices;
  if (!sample_json::last_field(resp, "choices", choices) || !choices.is_array()) return false;
  w.raw('[');
  bool first_choice = true;
  const dom::array list = choices.get_array().value_unsafe();
  for (dom::element c : list) {
    if (!first_choice) w.raw(',');
    first_choice = false;
    w.raw('{');
    dom::object o;
    if (c.get_object().get(o) == simdjson::SUCCESS) {
      bool first = true;
      for (std::string_view k : {"finish_reason", "index", "message", "text"}) {
        dom::element v;
        if (!sample_json::last_field(o, k, v)) continue;
        if (!first) w.raw(',');
        first = false;
        w.key(k);
        w.value(v);
      }
    }
    w.raw('}');
  }
  w.raw(']');
  return true;
}

// Image results: the URL, or "returned" in place of base64 data (as Datadog logs it).
bool write_images(dom::object resp, sample_json::writer& w) {
  dom::element data;
  if (!sample_json::last_field(resp, "data", data) || !data.is_array()) return false;
  w.raw('[');
  bool first = true;
  const dom::array list = data.get_array().value_unsafe();
  for (dom::element d : list) {
    dom::object o;
    if (d.get_object().get(o) != simdjson::SUCCESS) continue;
    dom::element v;
    if (sample_json::last_field(o, "url", v)) {
      if (!first) w.raw(',');
      w.raw('{');
      w.key("url");
      w.value(v);
      w.raw('}');
    } else if (sample_json::last_field(o, "b64_json", v)) {
      if (!first) w.raw(',');
      w.raw('{');
      w.key("b64_json");
      w.text("returned");
      w.raw('}');
    } else {
      continue;
    }
    first = false;
  }
  w.raw(']');
  return true;
}

}  // namespace

bool write_input(const exchange& x, workspace& ws) {
  dom::object req;
  if (!root_object(x.request_body, ws, req)) return false;
  switch (x.ep) {
    case endpoint::chat_completions:
      return write_field_as_array(req, "messages", ws.w);
    case endpoint::completions:
    case endpoint::images_generations:
      return write_field_as_array(req, "prompt", ws.w);
    case endpoint::embeddings:
    case endpoint::moderations:
      return write_field_as_array(req, "input", ws.w);
    case endpoint::responses:
      write_responses_input(req, ws.w);
      return true;
    default:
      return false;
  }
}

bool write_output(const exchange& x, workspace& ws) {
  if (x.stream) {
    switch (x.ep) {
      case endpoint::chat_completions:
      case endpoint::completions:
        write_chat_stream(x, x.ep == endpoint::completions, ws);
        return true;
      case endpoint::responses:
        write_responses_stream(x, ws);
        return true;
      default:
        return false;
    }
  }
  dom::object resp;
  if (!root_object(x.response_body, ws, resp)) return false;
  switch (x.ep) {
    case endpoint::chat_completions:
    case endpoint::completions:
      return write_choices(resp, ws.w);
    case endpoint::responses: {
      dom::element output;  // a null output is no output
      if (!sample_json::last_field(resp, "output", output) || output.is_null()) return false;
      ws.w.value(output);
      return true;
    }
    case endpoint::audio_transcriptions:
    case endpoint::audio_translations:
      return write_field_as_array(resp, "text", ws.w);
    case endpoint::images_generations:
    case endpoint::images_edits:
      return write_images(resp, ws.w);
    default:
      return false;
  }
}

}  // namespace llmtap::pipeline::sample_text
