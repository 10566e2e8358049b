#pragma once
// Facts from captured request and response bodies (model, stream flags, usage, finish reason,
// error type/code). Called on the pipeline thread only, never on the relay path. Bad input
// (broken or truncated JSON, invalid UTF-8, foreign payloads) only yields fewer facts.
#include <string_view>

#include "core/exchange.h"

namespace llmtap::openai {

// What parse_request saw of a JSON body's top level besides the facts it stores; the proxy's
// include_usage rewrite uses it to skip its own scan of the body.
struct request_keys {
  bool walked = false;          // a JSON object whose top-level members were all read
  bool stream_options = false;  // one of them is "stream_options"
};

// Fills model_requested, stream_requested and include_usage_requested from x.request_body.
// multipart/form-data bodies (transcriptions, image edits) yield the `model` and `stream` form
// fields; the boundary comes from `content_type`, or from the body's first line when the content
// type was not kept.
request_keys parse_request(exchange& x, std::string_view content_type = {});

// Fills model_served, finish_reason, usage (source = reported when found), error_type and
// error_code from x.response_body, or from the kept SSE event payloads when x.stream is true.
// Understands OpenAI, Azure and vLLM error bodies, in-band stream errors, chat/completions,
// embeddings, Responses (body or terminal event), images and transcription usage.
void parse_response(exchange& x);

}  // namespace llmtap::openai
