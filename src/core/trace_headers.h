#pragma once
// Reads a caller's trace from its request headers so llmtap's span joins the caller's trace.
// Two propagation formats are understood, as Datadog's tracers do by default:
//   W3C:     traceparent: 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>
//   Datadog: x-datadog-trace-id (decimal, low 64 bits), x-datadog-parent-id (decimal),
//            x-datadog-sampling-priority, x-datadog-tags: _dd.p.tid=<16 hex> (high 64 bits)
// When both are present and valid, traceparent wins. Malformed values are ignored (the call
// then starts its own trace): a bad header never fails a request.
#include <string_view>

#include "core/exchange.h"

namespace llmtap {

class trace_header_reader {
 public:
  // Looks at one request header; returns true when it was a propagation header.
  bool observe(std::string_view name, std::string_view value);
  // The caller's context (from_client set), or an empty one when no valid headers came.
  trace_context result() const;

 private:
  trace_context w3c_;
  bool w3c_ok_ = false;
  uint64_t dd_trace_ = 0, dd_parent_ = 0, dd_tid_hi_ = 0;
  int8_t dd_priority_ = 1;
};

// 32 lower-case hex digits of a 128-bit id; 16 when hi == 0 and `short_if_64` is set.
std::string trace_id_hex(const trace_context& t, bool short_if_64 = false);

}  // namespace llmtap
