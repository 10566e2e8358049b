#pragma once
// Deterministic generated content: the same request always yields the same text, token counts and
// embeddings, so tests can compare two calls and benchmarks have stable payload sizes.
// Ids (request, completion, response) are random on purpose: real ones are unique per call.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmtap::mock {

uint64_t fnv1a(std::string_view s, uint64_t seed = 1469598103934665603ull);
uint64_t mix64(uint64_t x);  // splitmix64 finaliser: one well-spread word per index

// The mock's own token count: each run of letters/digits (or non-ASCII bytes) is one token, each
// other visible character is one. Cheap and deterministic; not tiktoken (the proxy has that).
uint64_t count_tokens(std::string_view text);

// `n` words; each element is exactly one streamed token (leading space included), so the number
// of deltas equals completion_tokens. Sentences get capitals and full stops.
std::vector<std::string> generate_tokens(uint64_t seed, uint64_t n);
std::string join(const std::vector<std::string>& tokens);

// Default completion length for a request: 8..32 tokens, from its hash.
uint64_t default_length(uint64_t seed);

// "gpt-4o" -> "gpt-4o-2024-08-06": the real API answers with the dated snapshot. Azure deployment
// names are mapped to the model they most look like.
std::string resolve_model(std::string_view requested);
std::string model_for_deployment(std::string_view deployment);

std::string random_hex(std::size_t n);    // lowercase
std::string random_alnum(std::size_t n);  // [A-Za-z0-9]

// Unit-length vector, values rounded to 8 decimals like the real API's float output.
std::vector<float> embedding_vector(std::string_view text, unsigned dims);
std::string base64_floats(const std::vector<float>& v);  // little-endian float32, as the API does

struct model_entry {
  const char* id;
  int64_t created;
  const char* owned_by;
};
const std::vector<model_entry>& known_models();

}  // namespace llmtap::mock
