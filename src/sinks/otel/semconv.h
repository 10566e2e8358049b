#pragma once
// Which version of the OpenTelemetry GenAI semantic conventions the OTLP exporter speaks, and
// the names that differ between versions. Sources (reference/peers.md §4):
//   open-telemetry/semantic-conventions CHANGELOG and schema transformations:
//   - v1.37.0 renamed gen_ai.system -> gen_ai.provider.name (Azure OpenAI: az.ai.openai ->
//     azure.ai.openai, model/gen-ai/deprecated/registry-deprecated.yaml), renamed
//     gen_ai.openai.{request.service_tier, response.service_tier, response.system_fingerprint} ->
//     openai.*, and replaced the per-message events (gen_ai.{system,user,assistant,tool}.message,
//     gen_ai.choice; model/gen-ai/deprecated/events-deprecated.yaml) with the
//     gen_ai.input.messages / gen_ai.output.messages attributes and the
//     gen_ai.client.inference.operation.details event.
//   - v1.40.0 added gen_ai.usage.cache_read.input_tokens.
//   - v1.41.0 added gen_ai.usage.reasoning.output_tokens, gen_ai.request.stream,
//     gen_ai.response.time_to_first_chunk and the gen_ai.client.operation.time_to_first_chunk
//     metric.
// v1.36 is the last version before the renames: it stands for every older consumer.
#include <string>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::sinks::otlp {

struct semconv {
  int minor = 41;  // 1.<minor>; 36..41

  bool provider_name() const { return minor >= 37; }  // gen_ai.provider.name, not gen_ai.system
  bool message_attributes() const { return minor >= 37; }  // input/output.messages, details event
  bool openai_namespace() const { return minor >= 37; }    // openai.*, not gen_ai.openai.*
  bool cache_read_tokens() const { return minor >= 40; }
  bool streaming_facts() const {
    return minor >= 41;
  }  // reasoning tokens, stream, time to first chunk

  const char* provider_key() const {
    return provider_name() ? "gen_ai.provider.name" : "gen_ai.system";
  }
  // "https://opentelemetry.io/schemas/1.<minor>.0", set on every scope.
  std::string schema_url() const;
};

inline constexpr int kOldestSemconv = 36;
inline constexpr int kNewestSemconv = 41;

// "1.36" .. "1.41" (also written "1.41.0"), or "latest". False for anything else.
bool parse_semconv(std::string_view text, semconv& out);

// gen_ai.operation.name: chat (chat completions and Responses), text_completion, embeddings,
// else the endpoint's OpenAPI operation id (createImage...): the conventions' enum is open.
const char* operation_name(endpoint ep);
// True for the operations whose content the conventions describe (chat, text_completion).
bool is_inference(endpoint ep);
// "openai", or the Azure OpenAI value of the chosen version for Azure-shaped paths.
const char* provider_name(const exchange& x, const semconv& v);
// error.type of a failed call ("" when it did not fail): the body's error type, else the HTTP
// status, else llmtap's outcome (upstream_unreachable...).
std::string error_type(const exchange& x);
// gen_ai.response.finish_reasons' value: chat and completions reasons as OpenAI sends them
// (stop, length, tool_calls, content_filter); a Responses outcome (completed, max_output_tokens,
// content_filter, failed, cancelled) as the reason it stands for (stop, length, content_filter,
// error). "" when unknown.
std::string finish_reason(const exchange& x);
// The last monotonic stamp of the call (its end), never before `accepted`.
int64_t end_stamp(const exchange& x);

}  // namespace llmtap::sinks::otlp
