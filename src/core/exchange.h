#pragma once
// The one record per proxied call. A proxy worker fills the wire facts on the hot path (no JSON
// parsing there), moves it into the exchange queue at the end of the call, and never touches it
// again. The pipeline thread then fills the parsed facts (model, usage, error type...) from the
// captured bytes, and the store and sinks read it. Move-only by convention: it owns buffers.
#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace llmtap {

// What kind of API call this was, from the request path. `other` is still proxied and recorded.
enum class endpoint : uint8_t {
  other = 0,
  chat_completions,
  completions,
  embeddings,
  responses,
  images_generations,
  images_edits,
  audio_transcriptions,
  audio_translations,
  audio_speech,
  moderations,
  models,
  files,
  batches,
};

// How the call ended, from the proxy's point of view. An upstream 4xx/5xx is `ok` here (the
// call was relayed faithfully); the status and error fields say what the upstream answered.
enum class outcome : uint8_t {
  ok = 0,
  client_aborted,         // the client went away before the response was complete
  upstream_disconnected,  // the upstream closed or reset mid-response
  upstream_unreachable,   // connect or TLS handshake failed: we answered 502
  upstream_timeout,       // no response head in time, or idle mid-body: we answered 504 (or cut)
  rejected,               // we refused the request ourselves (400/404/413/431/408)
  internal_error,
};

// Where usage numbers came from.
enum class usage_source : uint8_t { none = 0, reported, estimated };

struct usage {
  int64_t input_tokens = -1;   // prompt_tokens / input_tokens; -1 = unknown
  int64_t output_tokens = -1;  // completion_tokens / output_tokens
  int64_t total_tokens = -1;
  int64_t cached_input_tokens = -1;  // part of input_tokens
  int64_t reasoning_tokens = -1;     // part of output_tokens
  int64_t audio_input_tokens = -1;
  int64_t audio_output_tokens = -1;
  usage_source source = usage_source::none;
};

// The six x-ratelimit-* response headers. -1 = absent, negative or unparsable ("unknown").
struct rate_limits {
  int64_t limit_requests = -1;
  int64_t limit_tokens = -1;
  int64_t remaining_requests = -1;
  int64_t remaining_tokens = -1;
  int64_t reset_requests_ms = -1;  // Go durations like "6m0s", "20ms" turned into milliseconds
  int64_t reset_tokens_ms = -1;
};

// Monotonic stamps in nanoseconds (steady_clock); 0 = did not happen.
struct stamps {
  int64_t accepted = 0;           // request head started arriving on the downstream side
  int64_t request_head_done = 0;  // request head fully parsed
  int64_t upstream_connect_start = 0;
  int64_t upstream_connected = 0;  // connection ready (= connect_start when reused from the pool)
  int64_t request_sent = 0;        // whole request written upstream
  int64_t first_byte = 0;          // first byte of the upstream response
  int64_t first_token = 0;         // first SSE event carrying content (streams only)
  int64_t last_byte = 0;           // last byte of the upstream response relayed downstream
};

// Spare capacity the worker leaves after captured bytes (bodies, stream events): the pipeline's
// JSON parser (simdjson) reads this far past the data, so with the room there it parses the
// capture in place instead of copying it first.
inline constexpr size_t kCapturePadding = 64;

// Bytes kept for the pipeline to parse. Capped; `truncated` says the cap was hit.
struct capture {
  std::string bytes;
  bool truncated = false;
};

// How many SSE event payloads a streamed response keeps: the first (model, id) and the last few
// (finish reason, the usage chunk, a terminal Responses event, an in-band error).
inline constexpr size_t kTailEvents = 4;
// Separates captured event payloads: a byte valid JSON text cannot contain unescaped.
inline constexpr char kRecordSeparator = '\x1e';

// W3C trace-context / Datadog propagation. A 128-bit trace id (hi = 0 for a 64-bit Datadog id).
struct trace_context {
  uint64_t trace_id_hi = 0;
  uint64_t trace_id_lo = 0;
  uint64_t parent_span_id = 0;   // the client's span, 0 = none (a root span)
  uint64_t span_id = 0;          // llmtap's span for this call
  int8_t sampling_priority = 1;  // the client's decision when it sent one (<= 0: drop)
  bool from_client = false;      // the trace came from the client's headers
  bool valid() const { return trace_id_hi != 0 || trace_id_lo != 0; }
};

struct exchange {
  // identity
  uint64_t id = 0;                 // unique within the process: (worker << 48) | per-worker counter
  int64_t wall_start_unix_ns = 0;  // wall clock at `accepted`, for the store and reports
  stamps t;
  int64_t inside_ns = 0;  // time the call spent in llmtap's own code (parse, relay, bookkeeping)

  // request
  std::string method;
  std::string path;        // as received, without the query string
  std::string upstream;    // name of the upstream used ("default" or a /u/<name>/ name)
  std::string deployment;  // Azure deployment from /openai/deployments/{d}/
  endpoint ep = endpoint::other;
  std::string organization;  // OpenAI-Organization request header (the org id the client chose)
  std::string organization_name;      // openai-organization response header (the org's name)
  std::string project;                // OpenAI-Project request header
  std::string key_label;              // "sk-...abcd"; never the key
  std::string key_hash;               // keyed hash (hex) of the key, for grouping
  std::string service, env, version;  // caller identity (config, overridden by x-llmtap-*)
  int32_t retry_count = -1;           // x-stainless-retry-count
  std::string request_content_type;   // for parsing multipart bodies (audio, image edits)
  uint64_t request_bytes = 0;         // body bytes
  capture request_body;  // capped copy of the JSON request body (as the client sent it)
  bool include_usage_injected = false;  // llmtap asked the upstream for a usage chunk
  // The worker already read the request's facts below (model, stream, include_usage): it needs
  // them to decide the include_usage rewrite, and the pipeline then does not parse them again.
  bool request_parsed = false;

  // response
  uint16_t status = 0;
  bool stream = false;         // the response was text/event-stream
  std::string request_id;      // x-request-id
  int32_t processing_ms = -1;  // openai-processing-ms
  rate_limits limits;
  uint64_t response_bytes = 0;  // body bytes as relayed (after de-chunking)
  capture response_body;        // non-stream: capped body
  // stream: [0] = first event, then a ring. A ring event that starts with the same fields as
  // the first one (id, object, model...) is kept compacted, as {"choices":...} (compact_chunk).
  std::array<std::string, kTailEvents + 1> events;
  // Where each slot's event is: its string above, or (in_content) a range of stream_content's
  // bytes. After the first token nearly every event is appended to stream_content exactly as
  // its slot would hold it, so the worker keeps one copy, not two.
  struct event_place {
    uint32_t offset = 0;
    uint32_t size = 0;
    bool in_content = false;
  };
  std::array<event_place, kTailEvents + 1> event_places;
  // stream: the data of every event from the first one with content on, each followed by
  // kRecordSeparator (capped); what usage is estimated from when no usage is reported, and what
  // a sample's completion is rebuilt from. Chunks whose fields before "choices" repeat the first
  // kept one's are kept as {"choices":...} (proxy/stream_capture.h, compact_chunk): 60% smaller.
  capture stream_content;
  uint32_t event_count = 0;  // SSE data events seen
  outcome result = outcome::ok;
  std::string proxy_error;  // our own message when result != ok (no secrets)

  // The caller's trace, from a W3C traceparent or Datadog x-datadog-* request header; zero when
  // the client sent none (the pipeline then starts a new trace). span_id is ours, set by the
  // pipeline; the span's parent is the client's span.
  struct trace_context trace;

  // parsed by the pipeline from the captures (the request's by the worker when request_parsed)
  std::string model_requested;
  std::string model_served;
  bool stream_requested = false;
  bool include_usage_requested = false;
  std::string finish_reason;
  std::string error_type;  // error.type, or error.code for Azure-shaped bodies
  std::string error_code;
  struct usage usage;
  int64_t cost_nano_usd = -1;  // set by pricing; -1 = unpriced (unknown model) or not priced

  // Set by the pipeline when the call is sampled (deterministic on the trace id): the prompt
  // and completion as JSON, redacted and truncated. Empty when not sampled: no sink may export
  // prompt text from anywhere else.
  bool sampled = false;
  std::string sample_input;   // JSON array: chat messages, or [prompt], or [input]
  std::string sample_output;  // JSON array: choices (message/text, finish_reason) or output items

  // The ring of tail events: slot 0 holds the first event, slots 1..kTailEvents the most recent.
  // The slot returned is the event's own string; place_last_event_in_content can then say that
  // the event's bytes are already in stream_content instead.
  std::string& next_event_slot() {
    size_t slot = event_count == 0 ? 0 : 1 + (event_count - 1) % kTailEvents;
    ++event_count;
    event_places[slot].in_content = false;
    return events[slot];
  }
  // The last event's bytes are stream_content.bytes[offset, offset + size): its slot's string is
  // not used. Returns false and changes nothing for the first event (slot 0, which other readers
  // take from events[0]) and for a range past 4 GB.
  bool place_last_event_in_content(size_t offset, size_t size) {
    if (event_count < 2 || size > UINT32_MAX || offset > UINT32_MAX - size) return false;
    event_place& p = event_places[1 + (event_count - 2) % kTailEvents];
    p.offset = static_cast<uint32_t>(offset);
    p.size = static_cast<uint32_t>(size);
    p.in_content = true;
    return true;
  }
  // A tail event's bytes, and how many bytes from their start may be read (the JSON parser reads
  // up to kCapturePadding past the end, and parses in place only when it may).
  struct event_view {
    std::string_view bytes;
    size_t readable = 0;
    bool first = false;  // events[0]
  };
  // The i-th most recent event (0 = last); nullopt when there are fewer.
  std::optional<event_view> recent_event(size_t i) const {
    if (i >= event_count) return std::nullopt;
    uint32_t n = event_count - 1 - static_cast<uint32_t>(i);  // index in arrival order
    if (n == 0) return event_view{events[0], events[0].capacity(), true};
    if (event_count - 1 - n >= kTailEvents) return std::nullopt;  // fell out of the ring
    const size_t slot = 1 + (n - 1) % kTailEvents;
    const event_place& p = event_places[slot];
    if (!p.in_content) return event_view{events[slot], events[slot].capacity(), false};
    const std::string& all = stream_content.bytes;
    return event_view{std::string_view(all).substr(p.offset, p.size), all.capacity() - p.offset,
                      false};
  }
};

// For the consumers that take finished calls in batches (the pipeline, the store writer, the
// DogStatsD aggregation): the calls reach them milliseconds after a worker wrote them, out of
// cache by then. Called before working on call i of `batch` (a vector of pointers to exchanges),
// it asks the CPU for the struct of call i+2 and for the text of call i+1's strings (reading where
// they are needs the struct, asked for one call earlier): the misses overlap the work on call i
// instead of stalling it (bench/README.md, "Session 6").
void prefetch_struct(const exchange& x) noexcept;
void prefetch_strings(const exchange& x) noexcept;
template <class Batch>
void prefetch_ahead(const Batch& batch, size_t i) noexcept {
  if (i == 0 && !batch.empty()) {
    prefetch_struct(*batch[0]);
    if (batch.size() > 1) prefetch_struct(*batch[1]);
    prefetch_strings(*batch[0]);
  }
  if (i + 2 < batch.size()) prefetch_struct(*batch[i + 2]);
  if (i + 1 < batch.size()) prefetch_strings(*batch[i + 1]);
}

const char* to_string(endpoint e);
const char* to_string(outcome o);
const char* to_string(usage_source s);

}  // namespace llmtap
