#include "sinks/otel/body_facts.h"

#include <simdjson.h>

#include <string_view>

namespace llmtap::sinks::otlp {
namespace {

namespace od = simdjson::ondemand;

// One parser per sink thread: its buffers stay warm between calls.
thread_local od::parser t_parser;

std::string_view key_of(od::field& f) {
  std::string_view k;
  if (f.unescaped_key().get(k)) return {};
  return k;
}

bool read_string(od::value v, std::string& out, size_t max = 256) {
  std::string_view s;
  if (v.get_string().get(s) || s.size() > max) return false;
  out.assign(s);
  return true;
}

template <class T>
void read_number(od::value v, std::optional<T>& out) {
  T n{};
  if constexpr (std::is_same_v<T, double>) {
    if (!v.get_double().get(n)) out = n;
  } else {
    if (!v.get_int64().get(n)) out = n;
  }
}

// A string, or an array of strings (stop, encoding_format), capped at 16 entries.
void read_strings(od::value v, std::vector<std::string>& out) {
  od::json_type t;
  if (v.type().get(t)) return;
  if (t == od::json_type::string) {
    std::string s;
    if (read_string(v, s)) out.push_back(std::move(s));
    return;
  }
  od::array a;
  if (t != od::json_type::array || v.get_array().get(a)) return;
  for (auto item : a) {
    od::value e;
    if (std::move(item).get(e)) return;
    std::string s;
    if (out.size() < 16 && read_string(e, s)) out.push_back(std::move(s));
  }
}

// response_format {"type": "json_object" | "json_schema" | "text"} -> gen_ai.output.type.
void read_output_type(od::value v, std::string& out) {
  od::object o;
  if (v.get_object().get(o)) return;
  for (auto f : o) {
    od::field field;
    if (std::move(f).get(field)) return;
    if (key_of(field) != "type") continue;
    std::string type;
    if (!read_string(field.value(), type)) return;
    if (type == "json_object" || type == "json_schema")
      out = "json";
    else if (type == "text")
      out = "text";
    return;
  }
}

template <class F>
void each_top_level_field(const std::string& bytes, F&& on_field) {
  if (bytes.empty() || bytes.front() != '{') return;
  simdjson::padded_string padded(bytes);
  od::document doc;
  if (t_parser.iterate(padded).get(doc)) return;
  od::object o;
  if (doc.get_object().get(o)) return;
  for (auto f : o) {
    od::field field;
    if (std::move(f).get(field)) return;  // a cut or broken body: keep what was read before
    on_field(key_of(field), field.value());
  }
}

// The response fields that matter, from one object (a body, a chunk, or Responses' "response").
void read_response_object(od::value v, response_facts& r, bool nested);

void on_response_field(std::string_view k, od::value v, response_facts& r, bool nested) {
  if (k == "id")
    read_string(v, r.id);
  else if (k == "service_tier")
    read_string(v, r.service_tier);
  else if (k == "system_fingerprint")
    read_string(v, r.system_fingerprint);
  else if (k == "response" && !nested)
    read_response_object(v, r, true);  // response.created event
}

void read_response_object(od::value v, response_facts& r, bool nested) {
  od::object o;
  if (v.get_object().get(o)) return;
  for (auto f : o) {
    od::field field;
    if (std::move(f).get(field)) return;
    on_response_field(key_of(field), field.value(), r, nested);
  }
}

}  // namespace

request_facts read_request(const exchange& x) {
  request_facts r;
  if (x.request_content_type.find("multipart") != std::string::npos) return r;
  each_top_level_field(x.request_body.bytes, [&](std::string_view k, od::value v) {
    if (k == "max_tokens" || k == "max_completion_tokens" || k == "max_output_tokens")
      read_number(v, r.max_tokens);
    else if (k == "temperature")
      read_number(v, r.temperature);
    else if (k == "top_p")
      read_number(v, r.top_p);
    else if (k == "frequency_penalty")
      read_number(v, r.frequency_penalty);
    else if (k == "presence_penalty")
      read_number(v, r.presence_penalty);
    else if (k == "seed")
      read_number(v, r.seed);
    else if (k == "n") {
      std::optional<int64_t> n;
      read_number(v, n);
      if (n && *n != 1) r.choice_count = n;
    } else if (k == "stop")
      read_strings(v, r.stop_sequences);
    else if (k == "encoding_format")
      read_strings(v, r.encoding_formats);
    else if (k == "response_format")
      read_output_type(v, r.output_type);
    else if (k == "service_tier")
      read_string(v, r.service_tier);
  });
  return r;
}

response_facts read_response(const exchange& x) {
  response_facts r;
  const std::string& bytes = x.stream ? x.events[0] : x.response_body.bytes;
  if (x.stream && x.event_count == 0) return r;
  each_top_level_field(bytes,
                       [&](std::string_view k, od::value v) { on_response_field(k, v, r, false); });
  return r;
}

}  // namespace llmtap::sinks::otlp
