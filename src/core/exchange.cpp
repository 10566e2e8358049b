#include "core/exchange.h"

namespace llmtap {

void prefetch_struct(const exchange& x) noexcept {
  const char* p = reinterpret_cast<const char*>(&x);
  for (size_t off = 0; off < sizeof(exchange); off += 64) __builtin_prefetch(p + off);
}

void prefetch_strings(const exchange& x) noexcept {
  // Strings longer than the small-string buffer live elsewhere; these are read for every call.
  for (const std::string* s : {&x.path, &x.upstream, &x.organization, &x.organization_name,
                               &x.project, &x.key_label, &x.key_hash, &x.service, &x.env,
                               &x.version, &x.request_id, &x.model_requested, &x.model_served})
    __builtin_prefetch(s->data());
}

const char* to_string(endpoint e) {
  switch (e) {
    case endpoint::chat_completions: return "chat.completions";
    case endpoint::completions: return "completions";
    case endpoint::embeddings: return "embeddings";
    case endpoint::responses: return "responses";
    case endpoint::images_generations: return "images.generations";
    case endpoint::images_edits: return "images.edits";
    case endpoint::audio_transcriptions: return "audio.transcriptions";
    case endpoint::audio_translations: return "audio.translations";
    case endpoint::audio_speech: return "audio.speech";
    case endpoint::moderations: return "moderations";
    case endpoint::models: return "models";
    case endpoint::files: return "files";
    case endpoint::batches: return "batches";
    case endpoint::other: break;
  }
  return "other";
}

const char* to_string(outcome o) {
  switch (o) {
    case outcome::ok: return "ok";
    case outcome::client_aborted: return "client_aborted";
    case outcome::upstream_disconnected: return "upstream_disconnected";
    case outcome::upstream_unreachable: return "upstream_unreachable";
    case outcome::upstream_timeout: return "upstream_timeout";
    case outcome::rejected: return "rejected";
    case outcome::internal_error: return "internal_error";
  }
  return "unknown";
}

const char* to_string(usage_source s) {
  switch (s) {
    case usage_source::reported: return "reported";
    case usage_source::estimated: return "estimated";
    case usage_source::none: break;
  }
  return "none";
}

}  // namespace llmtap
