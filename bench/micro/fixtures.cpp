#include "fixtures.h"

#include <fmt/format.h>

#include "core/clock.h"
#include "openai/sse.h"

namespace llmtap::bench {

namespace {
constexpr std::string_view kWords[] = {"the", "request", "failed", "because", "upstream", "latency",
                                       "tokens", "should", "retry", "with", "backoff", "and",
                                       "jitter", "before", "giving", "up"};

std::string words(size_t bytes, size_t seed) {
  std::string s;
  for (size_t i = seed; s.size() < bytes; ++i) {
    if (!s.empty()) s += ' ';
    s += kWords[(i * 7 + 3) % std::size(kWords)];
  }
  return s;
}
}  // namespace

std::string chat_request(bool stream) {
  return fmt::format(
      R"({{"model":"gpt-4o-mini","messages":[{{"role":"system","content":"{}"}},{{"role":"user","content":"{}"}}],"temperature":0.2,"max_tokens":256{}}})",
      words(180, 1), words(760, 2),
      stream ? R"(,"stream":true,"stream_options":{"include_usage":true})" : "");
}

std::string chat_response() {
  return fmt::format(
      R"({{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model":"gpt-4o-mini-2024-07-18","choices":[{{"index":0,"message":{{"role":"assistant","content":"{}","refusal":null,"annotations":[]}},"logprobs":null,"finish_reason":"stop"}}],"usage":{{"prompt_tokens":219,"completion_tokens":86,"total_tokens":305,"prompt_tokens_details":{{"cached_tokens":0,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}},"service_tier":"default","system_fingerprint":"fp_06737a9306"}})",
      words(420, 3));
}

std::string chat_stream(int content_events, bool with_usage) {
  constexpr std::string_view head =
      R"({"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_06737a9306","choices":[)";
  std::string s;
  auto event = [&](std::string_view choices, std::string_view usage) {
    s.append("data: ").append(head).append(choices).append(R"(],"usage":)").append(usage).append("}\n\n");
  };
  event(R"({"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null})", "null");
  for (int i = 0; i < content_events; ++i)
    event(fmt::format(R"({{"index":0,"delta":{{"content":"{} "}},"logprobs":null,"finish_reason":null}})", words(28, static_cast<size_t>(i))),
          "null");
  event(R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"})", "null");
  if (with_usage) {
    s.append("data: ").append(head).append(
        R"(],"usage":{"prompt_tokens":219,"completion_tokens":86,"total_tokens":305,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}})"
        "\n\n");
  }
  s.append("data: [DONE]\n\n");
  return s;
}

namespace {
void common(exchange& x, bool stream) {
  x.id = 42;
  x.wall_start_unix_ns = 1'764'000'000'000'000'000;
  x.t.accepted = mono_ns();
  x.t.request_head_done = x.t.accepted + 20'000;
  x.t.upstream_connect_start = x.t.upstream_connected = x.t.accepted + 25'000;
  x.t.request_sent = x.t.accepted + 40'000;
  x.t.first_byte = x.t.accepted + 300'000'000;
  x.t.last_byte = x.t.accepted + 900'000'000;
  x.inside_ns = 30'000;
  x.method = "POST";
  x.path = "/v1/chat/completions";
  x.upstream = "default";
  x.ep = endpoint::chat_completions;
  x.key_label = "sk-...abcd";
  x.key_hash = "8f14e45fceea167a5a36dedd4bea2543";
  x.service = "checkout";
  x.env = "prod";
  x.version = "1.4.2";
  x.organization_name = "user-bench";
  x.request_content_type = "application/json";
  x.request_body.bytes = chat_request(stream);
  x.request_bytes = x.request_body.bytes.size();
  x.status = 200;
  x.stream = stream;
  x.request_id = "req_5f2e8d7c9b1a4e3f8a6d0c2b4e6f8a1c";
  x.processing_ms = 412;
  x.limits.limit_requests = 10000;
  x.limits.limit_tokens = 200000;
  x.limits.remaining_requests = 9999;
  x.limits.remaining_tokens = 199680;
  x.limits.reset_requests_ms = 8640;
  x.limits.reset_tokens_ms = 96;
}
}  // namespace

exchange json_exchange() {
  exchange x;
  common(x, false);
  x.response_body.bytes = chat_response();
  x.response_bytes = x.response_body.bytes.size();
  return x;
}

exchange stream_exchange(bool with_usage) {
  exchange x;
  common(x, true);
  std::string body = chat_stream(15, with_usage);
  observe_stream(x, body, body.size());
  x.response_bytes = body.size();
  return x;
}

void observe_stream(exchange& x, std::string_view body, size_t read_size) {
  constexpr size_t cap = 1024 * 1024;  // proxy.capture_max_bytes default
  auto append_capped = [](capture& c, std::string_view bytes, size_t limit) {
    size_t room = limit > c.bytes.size() ? limit - c.bytes.size() : 0;
    if (bytes.size() > room) c.truncated = true;
    c.bytes.append(bytes.data(), std::min(room, bytes.size()));
  };
  openai::sse_framer framer;
  for (size_t off = 0; off < body.size(); off += read_size) {
    framer.feed(body.substr(off, read_size), [&](const openai::sse_event& ev) {
      x.next_event_slot().assign(ev.data);
      if (x.t.first_token == 0) {
        if (!openai::event_has_content(ev.event, ev.data)) return;
        x.t.first_token = mono_ns();
      }
      append_capped(x.stream_content, ev.data, cap);
      append_capped(x.stream_content, std::string_view(&kRecordSeparator, 1), cap);
    });
  }
}

}  // namespace llmtap::bench
