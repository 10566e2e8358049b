#pragma once
// Scripted calls for the OTLP tests, and readers for the attributes of OTLP messages.
#include <map>
#include <string>

#include "sinks/otel/otlp_encode.h"

namespace llmtap::sinks::otlp::test {

// A streamed chat call with a caller's W3C parent, request parameters, usage with cached and
// reasoning tokens, and the first chunk kept (id, fingerprint, service tier).
inline exchange streamed_chat() {
  exchange x;
  x.method = "POST";
  x.path = "/v1/chat/completions";
  x.ep = endpoint::chat_completions;
  x.upstream = "default";
  x.model_requested = "gpt-4o";
  x.model_served = "gpt-4o-2024-08-06";
  x.status = 200;
  x.stream = true;
  x.stream_requested = true;
  x.finish_reason = "stop";
  x.request_id = "req_abc123";
  x.key_label = "sk-...abcd";
  x.cost_nano_usd = 1'250'000;
  x.inside_ns = 2'000'000;
  x.wall_start_unix_ns = 1'700'000'000'000'000'000;
  x.t.accepted = 1000;
  x.t.request_sent = 1000 + 1'000'000;
  x.t.first_byte = 1000 + 100'000'000;
  x.t.first_token = 1000 + 150'000'000;
  x.t.last_byte = 1000 + 400'000'000;
  x.usage.input_tokens = 1200;
  x.usage.output_tokens = 30;
  x.usage.cached_input_tokens = 1024;
  x.usage.reasoning_tokens = 9;
  x.usage.source = usage_source::reported;
  x.trace.trace_id_hi = 0x0102030405060708;
  x.trace.trace_id_lo = 0x090a0b0c0d0e0f10;
  x.trace.span_id = 0x1112131415161718;
  x.trace.parent_span_id = 0x2122232425262728;
  x.trace.from_client = true;
  x.request_content_type = "application/json";
  x.request_body.bytes =
      R"({"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"stream":true,"temperature":0.2,)"
      R"("top_p":1,"max_completion_tokens":256,"stop":["END","\n\n"],"seed":7,"n":2,)"
      R"("frequency_penalty":0.5,"presence_penalty":-0.5,"response_format":{"type":"json_schema"},)"
      R"("service_tier":"default"})";
  x.event_count = 5;
  x.events[0] =
      R"({"id":"chatcmpl-42","object":"chat.completion.chunk","created":1,"model":"gpt-4o-2024-08-06",)"
      R"("service_tier":"default","system_fingerprint":"fp_44709d6fcb","choices":[]})";
  return x;
}

template <class Msg>
std::map<std::string, const pb_common::AnyValue*> attrs(const Msg& m) {
  std::map<std::string, const pb_common::AnyValue*> out;
  for (const auto& kv : m.attributes()) out[kv.key()] = &kv.value();
  return out;
}

}  // namespace llmtap::sinks::otlp::test
