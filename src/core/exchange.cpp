#include "core/exchange.h"

namespace llmtap {

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
