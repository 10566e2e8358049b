#include "openai/key_identity.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "openai/headers.h"

namespace llmtap::openai {

namespace {
// Below this length the last four characters would be a large share of the key.
constexpr size_t kMinKeyForSuffix = 12;
constexpr size_t kSuffix = 4;
constexpr size_t kHashBytes = 8;
}  // namespace

std::string_view api_key_from_headers(std::string_view authorization,
                                      std::string_view api_key_header) {
  std::string_view auth = trim(authorization);
  constexpr std::string_view bearer = "bearer";
  if (auth.size() > bearer.size() && istarts_with(auth, bearer) &&
      (auth[bearer.size()] == ' ' || auth[bearer.size()] == '\t')) {
    std::string_view key = trim(auth.substr(bearer.size()));
    if (!key.empty()) return key;
  }
  return trim(api_key_header);
}

key_identity identify_key(std::string_view key, std::string_view secret) {
  key_identity out;
  if (key.empty()) return out;
  if (key.size() < kMinKeyForSuffix) {
    out.label = "...";
  } else {
    out.label = key.starts_with("sk-") ? "sk-..." : "...";
    out.label.append(key.substr(key.size() - kSuffix));
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  // HMAC() treats a null key as "no key given"; an empty secret must still be a (weak) key.
  static const unsigned char empty_key = 0;
  const void* k = secret.empty() ? static_cast<const void*>(&empty_key) : secret.data();
  if (HMAC(EVP_sha256(), k, static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(key.data()), key.size(), mac,
           &mac_len) == nullptr ||
      mac_len < kHashBytes) {
    return out;  // keep the label; an empty hash groups nothing rather than wrongly
  }
  static constexpr char hex[] = "0123456789abcdef";
  out.hash.reserve(kHashBytes * 2);
  for (size_t i = 0; i < kHashBytes; ++i) {
    out.hash.push_back(hex[mac[i] >> 4]);
    out.hash.push_back(hex[mac[i] & 0xf]);
  }
  return out;
}

}  // namespace llmtap::openai
