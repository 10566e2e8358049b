#pragma once
// Which OpenAI API a request path names. Pure functions; called by proxy workers per request.
#include <string_view>

#include "core/exchange.h"

namespace llmtap::openai {

struct path_info {
  endpoint ep = endpoint::other;
  std::string_view deployment;  // Azure /openai/deployments/{d}/...; a view into the input path
};

// Accepts the SDKs' base URL with or without /v1, Azure classic (/openai/deployments/{d}/...),
// Azure v1 (/openai/v1/...) and plain Azure (/openai/files); tolerates empty segments
// ("//", trailing "/"). A query string, if one slipped through, is ignored.
path_info classify_path(std::string_view path);

// The OpenAPI operation id Datadog uses as the span resource; "other" for unknown endpoints.
const char* operation_id(endpoint ep);

// The endpoint as Datadog's tracers tag it (`openai.request.endpoint`): "/v1/chat/completions"
// whatever base URL or Azure path the client used. Unknown endpoints: "" (use the path then).
const char* canonical_path(endpoint ep);

}  // namespace llmtap::openai
