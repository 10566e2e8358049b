#pragma once
// The request parameters and response identifiers the GenAI span conventions recommend and the
// exchange does not carry as fields (gen_ai.request.*, gen_ai.response.id, openai.*), read from
// the captured bodies on the OTLP sink's thread. Only top-level fields are visited (simdjson
// on-demand skips the messages), and a cut or broken body yields the fields before the damage.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/exchange.h"

namespace llmtap::sinks::otlp {

struct request_facts {
  std::optional<int64_t> max_tokens;  // max_tokens, max_completion_tokens or max_output_tokens
  std::optional<double> temperature, top_p, frequency_penalty, presence_penalty;
  std::optional<int64_t> seed;
  std::optional<int64_t> choice_count;  // n, when it is not 1
  std::vector<std::string> stop_sequences;
  std::vector<std::string> encoding_formats;  // embeddings
  std::string output_type;                    // gen_ai.output.type: text or json (response_format)
  std::string service_tier;                   // as requested
};

struct response_facts {
  std::string id;  // chatcmpl-..., cmpl-..., resp_...
  std::string service_tier;
  std::string system_fingerprint;
};

// From x.request_body (JSON bodies only; multipart uploads give nothing).
request_facts read_request(const exchange& x);
// From x.response_body, or the first kept event of a stream.
response_facts read_response(const exchange& x);

}  // namespace llmtap::sinks::otlp
