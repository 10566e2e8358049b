#pragma once
// One call as OTLP data (a span, content log records), per the OpenTelemetry GenAI semantic
// conventions of the chosen version (semconv.h). Pure functions over the protoc-generated
// messages: the sink thread calls them, and so do the tests.
#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "core/exchange.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "sinks/otel/semconv.h"

namespace llmtap::sinks::otlp {

namespace pb_common = opentelemetry::proto::common::v1;
namespace pb_trace = opentelemetry::proto::trace::v1;
namespace pb_logs = opentelemetry::proto::logs::v1;
namespace pb_metrics = opentelemetry::proto::metrics::v1;

struct encode_options {
  semconv version;
  bool capture_content = false;  // sampled prompts/completions on spans and as log records
  // upstream name -> (server.address, server.port) of the provider behind the proxy
  std::map<std::string, std::pair<std::string, int>> servers;
};

// The resource every request carries: service.name (the explicit name, else a service.name in
// `resource_attributes`, else `default_name`), telemetry.sdk.*, and the `k=v,k=v` attributes
// (OTEL_RESOURCE_ATTRIBUTES syntax, keys and values percent-decoded).
void fill_resource(opentelemetry::proto::resource::v1::Resource& r, const std::string& service_name,
                   const std::string& resource_attributes,
                   const std::string& default_name = "llmtap");

// False when the caller's trace context says its trace is not sampled (W3C flag 0, Datadog
// priority <= 0): like the SDKs' parent-based sampler, llmtap then records no span and no
// content log for the call (metrics still count it).
bool exports_span(const exchange& x);

void append_span(pb_trace::ScopeSpans& scope, const exchange& x, const encode_options& o);
// Content log records of a sampled call (none when not sampled, capture is off, or the call is
// not a chat/completion call). Returns how many were added.
int append_content_logs(pb_logs::ScopeLogs& scope, const exchange& x, const encode_options& o);

// Bytes for the wire: binary protobuf, or OTLP/JSON (lowerCamelCase names, enums as integers,
// trace and span ids as hex strings rather than protobuf's base64, per the OTLP/HTTP spec).
std::string serialize(const google::protobuf::Message& m, bool json);

// The 16-byte trace id and 8-byte span ids, big-endian, as OTLP carries them.
std::string trace_id_bytes(const trace_context& t);
std::string span_id_bytes(uint64_t id);

// Fields of newer OTLP revisions than the vendored .proto files, written as unknown fields
// with their published numbers (wire-compatible: older receivers skip them):
// Span.flags = 16 (fixed32: W3C trace flags, bit 8 "has is_remote", bit 9 "parent is remote")
// and LogRecord.event_name = 12 (string), from opentelemetry-proto trace.proto / logs.proto.
inline constexpr int kSpanFlagsField = 16;
inline constexpr int kLogEventNameField = 12;

}  // namespace llmtap::sinks::otlp
