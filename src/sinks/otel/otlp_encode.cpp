#include "sinks/otel/otlp_encode.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "openai/endpoint.h"
#include "sinks/otel/otlp_messages.h"

namespace llmtap::sinks::otlp {
namespace {

using pb_common::KeyValue;

template <class Msg>
void attr(Msg& m, const char* key, const std::string& v) {
  KeyValue* kv = m.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(v);
}
template <class Msg>
void attr_int(Msg& m, const char* key, int64_t v) {
  KeyValue* kv = m.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(v);
}
template <class Msg>
void attr_double(Msg& m, const char* key, double v) {
  KeyValue* kv = m.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_double_value(v);
}
template <class Msg>
void attr_bool(Msg& m, const char* key, bool v) {
  KeyValue* kv = m.add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_bool_value(v);
}

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t end_wall_ns(const exchange& x) {
  int64_t end = x.t.last_byte > 0 ? x.t.last_byte : x.t.first_byte > 0 ? x.t.first_byte : x.t.accepted;
  return static_cast<uint64_t>(x.wall_start_unix_ns + (end - x.t.accepted));
}

bool is_azure(const exchange& x) { return !x.deployment.empty() || x.path.rfind("/openai/", 0) == 0; }

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// protobuf's JSON printer writes bytes as base64; OTLP/JSON wants ids as hex.
void ids_to_hex(nlohmann::json& j) {
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      if ((k == "traceId" || k == "spanId" || k == "parentSpanId") && v.is_string()) {
        // base64 (RFC 4648) decoded by hand: the ids are short, and '=' padding is skipped.
        static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        std::string decoded;
        uint32_t buf = 0;
        int bits = 0;
        for (char c : v.get_ref<const std::string&>()) {
          size_t p = alphabet.find(c);
          if (p == std::string::npos) continue;
          buf = buf << 6 | static_cast<uint32_t>(p);
          bits += 6;
          if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buf >> bits) & 0xff));
          }
        }
        v = hex(decoded);
      } else {
        ids_to_hex(v);
      }
    }
  } else if (j.is_array()) {
    for (auto& e : j) ids_to_hex(e);
  }
}

}  // namespace

bool parse_naming(const std::string& text, naming& out) {
  if (text == "1.41" || text == "latest") out = naming::v1_41;
  else if (text == "1.36") out = naming::v1_36;
  else return false;
  return true;
}

const char* operation_name(endpoint ep) {
  switch (ep) {
    case endpoint::chat_completions:
    case endpoint::responses: return "chat";
    case endpoint::completions: return "text_completion";
    case endpoint::embeddings: return "embeddings";
    default: return openai::operation_id(ep);
  }
}

const char* provider_name(const exchange& x, naming n) {
  if (!is_azure(x)) return "openai";
  return n == naming::v1_41 ? "azure.ai.openai" : "az.ai.openai";
}

std::string error_type(const exchange& x) {
  if (x.result == outcome::ok && x.status < 400) return {};
  if (!x.error_type.empty()) return x.error_type;
  if (x.status >= 400) return std::to_string(x.status);
  return to_string(x.result);
}

std::string trace_id_bytes(const trace_context& t) { return be64(t.trace_id_hi) + be64(t.trace_id_lo); }
std::string span_id_bytes(uint64_t id) { return be64(id); }

void fill_resource(opentelemetry::proto::resource::v1::Resource& r, const std::string& service_name,
                   const std::string& resource_attributes) {
  attr(r, "service.name", service_name);
  attr(r, "telemetry.sdk.name", "llmtap");
  attr(r, "telemetry.sdk.language", "cpp");
  size_t start = 0;
  while (start < resource_attributes.size()) {
    size_t comma = resource_attributes.find(',', start);
    std::string item = resource_attributes.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t eq = item.find('=');
    if (eq != std::string::npos && eq > 0 && item.substr(0, eq) != "service.name")
      attr(r, percent_decode(item.substr(0, eq)).c_str(), percent_decode(item.substr(eq + 1)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
}

void append_span(pb_trace::ScopeSpans& scope, const exchange& x, const encode_options& o) {
  pb_trace::Span* s = scope.add_spans();
  const std::string model = x.model_requested.empty() ? x.model_served : x.model_requested;
  const char* op = operation_name(x.ep);
  s->set_trace_id(trace_id_bytes(x.trace));
  s->set_span_id(span_id_bytes(x.trace.span_id));
  if (x.trace.parent_span_id != 0) s->set_parent_span_id(span_id_bytes(x.trace.parent_span_id));
  s->set_name(model.empty() ? std::string(op) : fmt::format("{} {}", op, model));
  s->set_kind(pb_trace::Span::SPAN_KIND_CLIENT);
  s->set_start_time_unix_nano(static_cast<uint64_t>(x.wall_start_unix_ns));
  s->set_end_time_unix_nano(end_wall_ns(x));

  const bool v41 = o.names == naming::v1_41;
  attr(*s, "gen_ai.operation.name", op);
  attr(*s, v41 ? "gen_ai.provider.name" : "gen_ai.system", provider_name(x, o.names));
  if (!x.model_requested.empty()) attr(*s, "gen_ai.request.model", x.model_requested);
  if (!x.model_served.empty()) attr(*s, "gen_ai.response.model", x.model_served);
  if (!x.finish_reason.empty()) {
    KeyValue* kv = s->add_attributes();
    kv->set_key("gen_ai.response.finish_reasons");
    kv->mutable_value()->mutable_array_value()->add_values()->set_string_value(x.finish_reason);
  }
  const auto& u = x.usage;
  if (u.input_tokens >= 0) attr_int(*s, "gen_ai.usage.input_tokens", u.input_tokens);
  if (u.output_tokens >= 0) attr_int(*s, "gen_ai.usage.output_tokens", u.output_tokens);
  if (v41) {
    if (u.cached_input_tokens >= 0) attr_int(*s, "gen_ai.usage.cache_read.input_tokens", u.cached_input_tokens);
    if (u.reasoning_tokens >= 0) attr_int(*s, "gen_ai.usage.reasoning.output_tokens", u.reasoning_tokens);
    if (x.stream_requested || x.stream) attr_bool(*s, "gen_ai.request.stream", true);
    if (x.stream && x.t.first_token > 0)
      attr_double(*s, "gen_ai.response.time_to_first_chunk", (x.t.first_token - x.t.accepted) / 1e9);
  }
  if (auto it = o.servers.find(x.upstream); it != o.servers.end()) {
    attr(*s, "server.address", it->second.first);
    attr_int(*s, "server.port", it->second.second);
  }
  if (x.status > 0) attr_int(*s, "http.response.status_code", x.status);
  if (!x.request_id.empty()) attr(*s, "openai.request.id", x.request_id);
  // llmtap's own facts, in its namespace: not in the conventions.
  if (x.cost_nano_usd >= 0) attr_double(*s, "llmtap.cost.usd", x.cost_nano_usd / 1e9);
  if (u.source == usage_source::estimated) attr_bool(*s, "llmtap.usage.estimated", true);
  if (!x.key_label.empty()) attr(*s, "llmtap.api_key", x.key_label);
  attr_double(*s, "llmtap.overhead", x.inside_ns / 1e9);
  if (const std::string e = error_type(x); !e.empty()) {
    attr(*s, "error.type", e);
    s->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);
    s->mutable_status()->set_message(x.proxy_error.empty() ? fmt::format("HTTP {} {}", x.status, x.error_code)
                                                           : x.proxy_error);
  }
  if (v41 && o.capture_content && x.sampled) {
    if (std::string in = input_messages(x); !in.empty()) attr(*s, "gen_ai.input.messages", in);
    if (std::string out = output_messages(x); !out.empty()) attr(*s, "gen_ai.output.messages", out);
  }
}

void append_content_logs(pb_logs::ScopeLogs& scope, const exchange& x, const encode_options& o) {
  if (!o.capture_content || !x.sampled) return;
  auto record = [&](const char* event_name) {
    pb_logs::LogRecord* r = scope.add_log_records();
    r->set_time_unix_nano(end_wall_ns(x));
    r->set_observed_time_unix_nano(end_wall_ns(x));
    r->set_severity_number(pb_logs::SEVERITY_NUMBER_INFO);
    r->set_trace_id(trace_id_bytes(x.trace));
    r->set_span_id(span_id_bytes(x.trace.span_id));
    attr(*r, "event.name", event_name);
    attr(*r, o.names == naming::v1_41 ? "gen_ai.provider.name" : "gen_ai.system", provider_name(x, o.names));
    attr(*r, "gen_ai.operation.name", operation_name(x.ep));
    return r;
  };
  const std::string in = input_messages(x), out = output_messages(x);
  if (o.names == naming::v1_41) {
    // One event carrying both sides (gen_ai.client.inference.operation.details, v1.37+).
    pb_logs::LogRecord* r = record("gen_ai.client.inference.operation.details");
    if (!in.empty()) attr(*r, "gen_ai.input.messages", in);
    if (!out.empty()) attr(*r, "gen_ai.output.messages", out);
    return;
  }
  // Before v1.37: one event per message (gen_ai.<role>.message) and one per choice (gen_ai.choice).
  auto each = [&](const std::string& messages, bool choices) {
    nlohmann::json arr = nlohmann::json::parse(messages, nullptr, false);
    if (!arr.is_array()) return;
    for (const auto& m : arr) {
      std::string role = m.value("role", "user");
      pb_logs::LogRecord* r = record(choices ? "gen_ai.choice" : ("gen_ai." + role + ".message").c_str());
      r->mutable_body()->set_string_value(m.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    }
  };
  each(in, false);
  each(out, true);
}

std::string serialize(const google::protobuf::Message& m, bool json) {
  if (!json) return m.SerializeAsString();
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_enums_as_ints = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, opts).ok()) return {};
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return {};
  ids_to_hex(j);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace llmtap::sinks::otlp
