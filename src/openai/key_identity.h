#pragma once
// API key identity for grouping calls by key without ever keeping the key: a short display label
// and a keyed hash. Callers must drop the key itself right after calling identify_key.
#include <string>
#include <string_view>

namespace llmtap::openai {

// The key a request carries: `Authorization: Bearer <key>` (scheme case-insensitive), else the
// Azure `api-key` header. Empty when neither holds one. A view into one of the arguments.
std::string_view api_key_from_headers(std::string_view authorization,
                                      std::string_view api_key_header);

struct key_identity {
  std::string label;  // "sk-...abcd" / "...abcd"; "..." for keys too short to reveal any part of
  std::string hash;   // 16 lowercase hex chars: first 8 bytes of HMAC-SHA256(secret, key)
};

// The secret is per installation, so the hash groups calls by key but cannot be checked against
// a guessed key by someone who only sees exported telemetry. Empty key -> empty label and hash.
key_identity identify_key(std::string_view key, std::string_view secret);

}  // namespace llmtap::openai
