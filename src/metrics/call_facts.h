#pragma once
// What llmtap's own metric exporters (Prometheus /metrics and the line protocol) say about one
// call, defined once so that the two never disagree: the model, the provider, the status class,
// the error type and the durations in seconds. Pure functions; none allocates.
#include <string_view>

#include "core/exchange.h"

namespace llmtap::metrics {

// The model the client asked for; for Azure (no model in the body) the deployment; else the
// model the response named. "" when none is known.
std::string_view model_of(const exchange& x);

// "azure" when the call went to an Azure OpenAI deployment (a deployment was parsed from the
// path, or the path starts with /openai/), else "openai".
const char* provider_of(const exchange& x);

// "1xx".."5xx" from the status llmtap relayed, "error" when no status was relayed (a transport
// failure: result != ok and status 0).
const char* status_class_of(const exchange& x);

// The class of error the call ended with, "" when it is not an error (docs/metrics.md lists them):
// - a transport failure or a request llmtap refused: the outcome ("upstream_timeout",
//   "upstream_unreachable", "upstream_disconnected", "rejected", "internal_error");
// - an HTTP error status: the error.type of the body ("invalid_request_error",
//   "insufficient_quota"...), else the status code ("503");
// - a 2xx whose body or stream carried an error object: its type.
// A client that went away is not an error of the call (outcome client_aborted).
std::string_view error_type_of(const exchange& x);

// From the first request byte to the last response byte (for a stream, its end); -1 = unknown.
double duration_seconds(const exchange& x);
// Streams only: from the first request byte to the first event carrying content; -1 = none.
double ttft_seconds(const exchange& x);
// Time spent in llmtap's own code (parsing, relaying, bookkeeping).
double overhead_seconds(const exchange& x);

}  // namespace llmtap::metrics
