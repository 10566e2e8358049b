#pragma once
// One call as OTLP data, per the OpenTelemetry GenAI semantic conventions
// (reference/peers.md §4: v1.37 renamed gen_ai.system to gen_ai.provider.name and moved content
// to gen_ai.input.messages / gen_ai.output.messages; v1.40 added cache_read/cache_creation
// input tokens; v1.41 added reasoning output tokens, gen_ai.request.stream,
// gen_ai.response.time_to_first_chunk and the time_to_first_chunk metric).
// Pure functions over generated protobuf messages: the sink thread calls them; tests too.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/exchange.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace llmtap::sinks::otlp {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;

// Which names to emit. v1_41: the current conventions (default). v1_36: what instrumentations
// written before v1.37 emit (gen_ai.system, per-message content events), for backends that
// have not moved yet.
enum class naming { v1_41, v1_36 };
// "1.41" / "latest" -> v1_41, "1.36" -> v1_36; false for anything else.
bool parse_naming(const std::string& text, naming& out);

struct encode_options {
  naming names = naming::v1_41;
  bool capture_content = false;  // sampled prompts/completions on spans and as log records
  // upstream name -> (server.address, server.port) of the provider behind the proxy
  std::map<std::string, std::pair<std::string, int>> servers;
};

// gen_ai.operation.name for an endpoint: chat, text_completion, embeddings, else the operation id.
const char* operation_name(endpoint ep);
// "openai", or "azure.ai.openai" (v1_41) / "az.ai.openai" (v1_36) for Azure paths.
const char* provider_name(const exchange& x, naming n);
// The error.type of a failed call ("" when it did not fail): the body's error type, else the
// HTTP status, else the proxy's outcome.
std::string error_type(const exchange& x);

// The resource every request carries: service.name plus `k=v,k=v` attributes
// (OTEL_RESOURCE_ATTRIBUTES syntax, values percent-decoded).
void fill_resource(opentelemetry::proto::resource::v1::Resource& r, const std::string& service_name,
                   const std::string& resource_attributes);

void append_span(pb_trace::ScopeSpans& scope, const exchange& x, const encode_options& o);
// Content log records for a sampled call (nothing when not sampled or capture is off).
void append_content_logs(pb_logs::ScopeLogs& scope, const exchange& x, const encode_options& o);

// Bytes for the wire: binary protobuf, or OTLP/JSON (lowerCamelCase names, enums as integers,
// trace and span ids as hex strings rather than protobuf's base64, per the OTLP/HTTP spec).
std::string serialize(const google::protobuf::Message& m, bool json);

// The 16-byte trace id and 8-byte span ids, big-endian, as OTLP carries them.
std::string trace_id_bytes(const trace_context& t);
std::string span_id_bytes(uint64_t id);

}  // namespace llmtap::sinks::otlp
