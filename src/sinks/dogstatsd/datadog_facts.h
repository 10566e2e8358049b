#pragma once
// A call as Datadog's OpenAI integration sees it: the model, endpoint, error and error type,
// duration and token-estimation flag that both the DogStatsD metrics and the APM span carry.
// One definition, so a metric and its span never disagree. Pure functions, no allocation.
//
// The reference is dd-trace-py v2.21 (the last line with DogStatsD metrics; reference
// datadog-guance.md §3), where the span is finished when the SDK call returns, raises, or its
// stream ends, and the metrics take their tags from the span.
#include <cstdint>
#include <string_view>

#include "core/exchange.h"

namespace llmtap::sinks::datadog {

// `openai.request.model` / `model`: the model the client asked for (for Azure, the deployment,
// which is what the SDK passes as `model`), else the one the response named.
std::string_view model_of(const exchange& x);

// `openai.request.endpoint`: "/v1/chat/completions" whatever base URL was used; the raw path
// for endpoints llmtap does not know.
std::string_view endpoint_of(const exchange& x);

// The tracer marks the span as an error when the SDK call raises: any HTTP error status, a
// transport failure, a stream cut or an error event inside a stream. A client that stopped
// reading is not an error (the SDK raised nothing).
bool is_error(const exchange& x);

// `error.type` as the Python tracer sets it ("<module>.<class>", ddtrace `Span.set_exc_info`)
// for the exception openai-python raises; its exported classes report module "openai"
// (openai/__init__.py rewrites `__module__`). Statuses map as in openai-python's
// `_client.py` `_make_status_error`:
//   400 openai.BadRequestError            401 openai.AuthenticationError
//   403 openai.PermissionDeniedError      404 openai.NotFoundError
//   409 openai.ConflictError              422 openai.UnprocessableEntityError
//   429 openai.RateLimitError             >= 500 openai.InternalServerError
//   other >= 400 openai.APIStatusError
// Transport: no connection or cut before the head openai.APIConnectionError; no head in time
// openai.APITimeoutError; cut mid-body httpx.RemoteProtocolError; idle mid-body
// httpx.ReadTimeout (httpx errors are not wrapped while a stream is read, and httpx rewrites
// `__module__` too); an error event in a 2xx stream or body openai.APIError.
// "" when the call is not an error.
const char* error_type_of(const exchange& x);

// Span duration: from the first request byte to the last response byte (a stream's end).
int64_t duration_ns(const exchange& x);
// First content token of a stream, from the first request byte; -1 when there was none.
int64_t time_to_first_token_ns(const exchange& x);

// The token metrics' `openai.estimated` tag (reference §3d): "false" for usage reported in a
// response body, none for usage reported in a stream's usage chunk, "true" for counted usage.
// nullptr = no tag.
const char* estimated_tag(const exchange& x);

// Total tokens: reported, else input + output when both are known; -1 = unknown.
int64_t total_tokens(const exchange& x);

}  // namespace llmtap::sinks::datadog
