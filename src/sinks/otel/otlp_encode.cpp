#include "sinks/otel/otlp_encode.h"

#include <fmt/format.h>
#include <google/protobuf/unknown_field_set.h>
#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "sinks/otel/body_facts.h"
#include "sinks/otel/otlp_messages.h"

namespace llmtap::sinks::otlp {
namespace {

using pb_common::AnyValue;
using pb_common::KeyValue;

template <class Msg>
AnyValue* attr_value(Msg& m, const char* key) {
  KeyValue* kv = m.add_attributes();
  kv->set_key(key);
  return kv->mutable_value();
}
template <class Msg>
void attr(Msg& m, const char* key, const std::string& v) {
  attr_value(m, key)->set_string_value(v);
}
template <class Msg>
void attr_int(Msg& m, const char* key, int64_t v) {
  attr_value(m, key)->set_int_value(v);
}
template <class Msg>
void attr_double(Msg& m, const char* key, double v) {
  attr_value(m, key)->set_double_value(v);
}
template <class Msg>
void attr_strings(Msg& m, const char* key, const std::vector<std::string>& v) {
  auto* arr = attr_value(m, key)->mutable_array_value();
  for (const auto& s : v) arr->add_values()->set_string_value(s);
}

std::string be64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) out[static_cast<size_t>(i)] = static_cast<char>(v & 0xff);
  return out;
}

uint64_t wall_at(const exchange& x, int64_t stamp) {
  return static_cast<uint64_t>(x.wall_start_unix_ns + (stamp - x.t.accepted));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
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

// An event's structured body (JSON from the message conversion) as an OTLP AnyValue.
void to_any_value(const nlohmann::json& j, AnyValue& v) {
  switch (j.type()) {
    case nlohmann::json::value_t::string:
      v.set_string_value(j.get<std::string>());
      break;
    case nlohmann::json::value_t::boolean:
      v.set_bool_value(j.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      v.set_int_value(j.get<int64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      v.set_double_value(j.get<double>());
      break;
    case nlohmann::json::value_t::array: {
      auto* arr = v.mutable_array_value();
      for (const auto& e : j) to_any_value(e, *arr->add_values());
      break;
    }
    case nlohmann::json::value_t::object: {
      auto* list = v.mutable_kvlist_value();
      for (const auto& [k, e] : j.items()) {
        KeyValue* kv = list->add_values();
        kv->set_key(k);
        to_any_value(e, *kv->mutable_value());
      }
      break;
    }
    default:
      break;  // null: an empty AnyValue
  }
}

// W3C trace flags of the call's trace, plus "has is_remote" and "is_remote" for a caller's parent.
uint32_t span_flags(const exchange& x) {
  uint32_t flags = x.trace.sampling_priority > 0 ? 1u : 0u;
  flags |= 0x100;
  if (x.trace.from_client && x.trace.parent_span_id != 0) flags |= 0x200;
  return flags;
}

// The request model: the body's model, else the Azure deployment the path names.
const std::string& request_model(const exchange& x) {
  return x.model_requested.empty() ? x.deployment : x.model_requested;
}

// OTLP/JSON fix-ups that protobuf's printer cannot do, walking the message and its JSON side by
// side: trace and span ids as hex (OTLP/HTTP spec, "JSON Protobuf Encoding": "traceId and
// spanId ... MUST be represented as case-insensitive hex-encoded strings", not base64), and the
// newer fields kept as unknown fields (Span.flags, LogRecord.eventName).
void patch_json(nlohmann::json& j, const google::protobuf::Message& m) {
  if (!j.is_object()) return;
  const auto* refl = m.GetReflection();
  const auto& unknown = refl->GetUnknownFields(m);
  for (int i = 0; i < unknown.field_count(); ++i) {
    const auto& f = unknown.field(i);
    if (f.number() == kSpanFlagsField && f.type() == google::protobuf::UnknownField::TYPE_FIXED32)
      j["flags"] = f.fixed32();
    if (f.number() == kLogEventNameField &&
        f.type() == google::protobuf::UnknownField::TYPE_LENGTH_DELIMITED)
      j["eventName"] = f.length_delimited();
  }
  const auto* desc = m.GetDescriptor();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* fd = desc->field(i);
    auto it = j.find(fd->json_name());
    if (it == j.end()) continue;
    if (fd->type() == google::protobuf::FieldDescriptor::TYPE_BYTES && !fd->is_repeated() &&
        (fd->name() == "trace_id" || fd->name() == "span_id" || fd->name() == "parent_span_id")) {
      *it = hex(refl->GetString(m, fd));
    } else if (fd->type() == google::protobuf::FieldDescriptor::TYPE_MESSAGE) {
      if (fd->is_repeated()) {
        const int n = refl->FieldSize(m, fd);
        for (int k = 0; k < n && static_cast<size_t>(k) < it->size(); ++k)
          patch_json((*it)[static_cast<size_t>(k)], refl->GetRepeatedMessage(m, fd, k));
      } else {
        patch_json(*it, refl->GetMessage(m, fd));
      }
    }
  }
}

}  // namespace

std::string trace_id_bytes(const trace_context& t) {
  return be64(t.trace_id_hi) + be64(t.trace_id_lo);
}
std::string span_id_bytes(uint64_t id) {
  return be64(id);
}

bool exports_span(const exchange& x) {
  return !(x.trace.from_client && x.trace.sampling_priority <= 0);
}

void fill_resource(opentelemetry::proto::resource::v1::Resource& r, const std::string& service_name,
                   const std::string& resource_attributes, const std::string& default_name) {
  std::vector<std::pair<std::string, std::string>> extra;
  std::string name = service_name;
  std::string_view rest = resource_attributes;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    std::string k = percent_decode(trim(item.substr(0, eq))),
                v = percent_decode(trim(item.substr(eq + 1)));
    if (k.empty()) continue;
    // OTEL_SERVICE_NAME wins over a service.name here (OTel SDK environment variable spec).
    if (k == "service.name") {
      if (name.empty()) name = v;
      continue;
    }
    extra.emplace_back(std::move(k), std::move(v));
  }
  attr(r, "service.name", name.empty() ? default_name : name);
  attr(r, "telemetry.sdk.name", "llmtap");
  attr(r, "telemetry.sdk.language", "cpp");
  attr(r, "telemetry.sdk.version", LLMTAP_VERSION);
  for (const auto& [k, v] : extra) attr(r, k.c_str(), v);
}

void append_span(pb_trace::ScopeSpans& scope, const exchange& x, const encode_options& o) {
  const semconv& v = o.version;
  pb_trace::Span* s = scope.add_spans();
  const std::string& model = request_model(x);
  const char* op = operation_name(x.ep);
  s->set_trace_id(trace_id_bytes(x.trace));
  s->set_span_id(span_id_bytes(x.trace.span_id));
  if (x.trace.parent_span_id != 0) s->set_parent_span_id(span_id_bytes(x.trace.parent_span_id));
  s->set_name(model.empty() ? std::string(op) : fmt::format("{} {}", op, model));
  s->set_kind(pb_trace::Span::SPAN_KIND_CLIENT);
  s->set_start_time_unix_nano(static_cast<uint64_t>(x.wall_start_unix_ns));
  s->set_end_time_unix_nano(wall_at(x, end_stamp(x)));
  s->GetReflection()->MutableUnknownFields(s)->AddFixed32(kSpanFlagsField, span_flags(x));

  attr(*s, "gen_ai.operation.name", op);
  attr(*s, v.provider_key(), provider_name(x, v));
  if (!model.empty()) attr(*s, "gen_ai.request.model", model);
  const request_facts rq = read_request(x);
  if (rq.max_tokens) attr_int(*s, "gen_ai.request.max_tokens", *rq.max_tokens);
  if (rq.temperature) attr_double(*s, "gen_ai.request.temperature", *rq.temperature);
  if (rq.top_p) attr_double(*s, "gen_ai.request.top_p", *rq.top_p);
  if (rq.frequency_penalty)
    attr_double(*s, "gen_ai.request.frequency_penalty", *rq.frequency_penalty);
  if (rq.presence_penalty) attr_double(*s, "gen_ai.request.presence_penalty", *rq.presence_penalty);
  if (rq.seed) attr_int(*s, "gen_ai.request.seed", *rq.seed);
  if (rq.choice_count) attr_int(*s, "gen_ai.request.choice.count", *rq.choice_count);
  if (!rq.stop_sequences.empty())
    attr_strings(*s, "gen_ai.request.stop_sequences", rq.stop_sequences);
  if (!rq.encoding_formats.empty())
    attr_strings(*s, "gen_ai.request.encoding_formats", rq.encoding_formats);
  if (!rq.output_type.empty()) attr(*s, "gen_ai.output.type", rq.output_type);
  if (v.streaming_facts() && (x.stream_requested || x.stream))
    attr_value(*s, "gen_ai.request.stream")->set_bool_value(true);

  const response_facts rs = read_response(x);
  if (!rs.id.empty()) attr(*s, "gen_ai.response.id", rs.id);
  if (!x.model_served.empty()) attr(*s, "gen_ai.response.model", x.model_served);
  if (std::string reason = finish_reason(x); !reason.empty())
    attr_strings(*s, "gen_ai.response.finish_reasons", {reason});
  const auto& u = x.usage;
  if (u.input_tokens >= 0) attr_int(*s, "gen_ai.usage.input_tokens", u.input_tokens);
  if (u.output_tokens >= 0) attr_int(*s, "gen_ai.usage.output_tokens", u.output_tokens);
  if (v.cache_read_tokens() && u.cached_input_tokens >= 0)
    attr_int(*s, "gen_ai.usage.cache_read.input_tokens", u.cached_input_tokens);
  if (v.streaming_facts() && u.reasoning_tokens >= 0)
    attr_int(*s, "gen_ai.usage.reasoning.output_tokens", u.reasoning_tokens);
  if (v.streaming_facts() && x.stream && x.t.first_token > 0)
    attr_double(*s, "gen_ai.response.time_to_first_chunk",
                static_cast<double>(x.t.first_token - x.t.accepted) / 1e9);

  // OpenAI's own attributes (openai.md), under gen_ai.openai.* before v1.37.
  const char* ns = v.openai_namespace() ? "openai." : "gen_ai.openai.";
  if (v.openai_namespace() && (x.ep == endpoint::chat_completions || x.ep == endpoint::responses))
    attr(*s, "openai.api.type", x.ep == endpoint::responses ? "responses" : "chat_completions");
  if (!rq.service_tier.empty() &&
      rq.service_tier != "auto")  // conditionally required: not when auto
    attr(*s, fmt::format("{}request.service_tier", ns).c_str(), rq.service_tier);
  if (!rs.service_tier.empty())
    attr(*s, fmt::format("{}response.service_tier", ns).c_str(), rs.service_tier);
  if (!rs.system_fingerprint.empty())
    attr(*s, fmt::format("{}response.system_fingerprint", ns).c_str(), rs.system_fingerprint);

  if (auto it = o.servers.find(x.upstream); it != o.servers.end()) {
    attr(*s, "server.address", it->second.first);
    attr_int(*s, "server.port", it->second.second);
  }
  if (x.status > 0) attr_int(*s, "http.response.status_code", x.status);
  // llmtap's own facts, in its namespace: not in the conventions.
  if (!x.request_id.empty()) attr(*s, "llmtap.upstream.request_id", x.request_id);
  if (x.cost_nano_usd >= 0)
    attr_double(*s, "llmtap.cost.usd", static_cast<double>(x.cost_nano_usd) / 1e9);
  if (u.source == usage_source::estimated)
    attr_value(*s, "llmtap.usage.estimated")->set_bool_value(true);
  if (!x.key_label.empty()) attr(*s, "llmtap.api_key", x.key_label);
  attr_double(*s, "llmtap.overhead", static_cast<double>(x.inside_ns) / 1e9);
  if (const std::string e = error_type(x); !e.empty()) {
    attr(*s, "error.type", e);
    s->mutable_status()->set_code(pb_trace::Status::STATUS_CODE_ERROR);
    s->mutable_status()->set_message(!x.proxy_error.empty() ? x.proxy_error
                                     : x.error_code.empty()
                                         ? fmt::format("HTTP {}", x.status)
                                         : fmt::format("HTTP {} {}", x.status, x.error_code));
  }
  if (v.message_attributes() && o.capture_content && x.sampled) {
    if (std::string in = input_messages(x); !in.empty()) attr(*s, "gen_ai.input.messages", in);
    if (std::string out = output_messages(x); !out.empty()) attr(*s, "gen_ai.output.messages", out);
  }
}

int append_content_logs(pb_logs::ScopeLogs& scope, const exchange& x, const encode_options& o) {
  if (!o.capture_content || !x.sampled || !exports_span(x)) return 0;
  const semconv& v = o.version;
  auto record = [&](const std::string& event_name) {
    pb_logs::LogRecord* r = scope.add_log_records();
    r->set_time_unix_nano(wall_at(x, end_stamp(x)));
    r->set_observed_time_unix_nano(wall_at(x, end_stamp(x)));
    r->set_severity_number(pb_logs::SEVERITY_NUMBER_INFO);
    r->set_flags(x.trace.sampling_priority > 0 ? 1u : 0u);
    r->set_trace_id(trace_id_bytes(x.trace));
    r->set_span_id(span_id_bytes(x.trace.span_id));
    r->GetReflection()->MutableUnknownFields(r)->AddLengthDelimited(kLogEventNameField, event_name);
    // The attribute too, for receivers older than LogRecord.event_name (semconv before v1.30).
    attr(*r, "event.name", event_name);
    attr(*r, v.provider_key(), provider_name(x, v));
    attr(*r, "gen_ai.operation.name", operation_name(x.ep));
    return r;
  };
  if (v.message_attributes()) {
    const std::string in = input_messages(x), out = output_messages(x);
    if (in.empty() && out.empty()) return 0;
    // One event with both sides and the call's model (gen_ai.client.inference.operation.details).
    pb_logs::LogRecord* r = record("gen_ai.client.inference.operation.details");
    if (const std::string& model = request_model(x); !model.empty())
      attr(*r, "gen_ai.request.model", model);
    if (!x.model_served.empty()) attr(*r, "gen_ai.response.model", x.model_served);
    if (!in.empty()) attr(*r, "gen_ai.input.messages", in);
    if (!out.empty()) attr(*r, "gen_ai.output.messages", out);
    return 1;
  }
  int n = 0;
  for (const legacy_event& e : legacy_events(x)) {
    to_any_value(e.body, *record(e.name)->mutable_body());
    ++n;
  }
  return n;
}

std::string serialize(const google::protobuf::Message& m, bool json) {
  if (!json) return m.SerializeAsString();
  google::protobuf::util::JsonPrintOptions opts;
  opts.always_print_enums_as_ints = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, opts).ok()) return {};
  nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded()) return {};
  patch_json(j, m);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace llmtap::sinks::otlp
