#pragma once
// One Datadog APM span per call, in the v0.4 trace API's span model (Agent API "Send traces to
// the Agent by API", https://docs.datadoghq.com/tracing/guide/send_traces_to_agent_by_api):
//   trace_id  uint64, the low 64 bits of the trace id (the high 64 bits go in meta `_dd.p.tid`,
//             16 lower-case hex digits)
//   span_id, parent_id  uint64 (parent 0 = a root span)
//   name "openai.request", resource = the OpenAPI operation id ("createChatCompletion"),
//   service, type, start (ns since the Unix epoch), duration (ns), error (0/1),
//   meta (string tags), metrics (float64 tags)
// Tags follow dd-trace-py v2.21's OpenAI integration (reference datadog-guance.md §3b-§3c); the
// span is `measured` (`_dd.measured` = 1) so the Agent computes `trace.openai.request.*` as the
// dashboard expects. `_sampling_priority_v1` carries the caller's decision (1 = auto keep), and
// `_dd.top_level` = 1 marks a root span. A child of the caller's span is left to the Agent,
// which counts a span whose parent is not in its chunk as top-level (datadog-agent
// pkg/trace/traceutil ComputeTopLevel), as it is here.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/exchange.h"

namespace llmtap::sinks {

struct span_options {
  std::string default_service = "llmtap";  // when the call has no service (DD_SERVICE unset)
};

class span_encoder {
 public:
  explicit span_encoder(span_options o = {}) : o_(std::move(o)) {}
  // Appends one span (a msgpack map).
  void append_span(const exchange& x, std::string& out);
  // A /v0.4/traces body: an array of trace chunks, one single-span chunk per call.
  void append_payload(const std::vector<std::shared_ptr<const exchange>>& calls, std::string& out);

 private:
  span_options o_;
  std::string meta_, metrics_;  // entries are written here first: a map's size precedes them
};

}  // namespace llmtap::sinks
