#include "openai/endpoint.h"

#include <array>
#include <cstddef>

namespace llmtap::openai {
namespace {

// Enough segments for the longest prefix (openai/deployments/{d}) plus the longest endpoint
// (audio/transcriptions); deeper paths only matter for prefix-matched families.
constexpr size_t kMaxSegments = 8;

struct segments {
  std::array<std::string_view, kMaxSegments> s{};
  size_t n = 0;      // segments stored
  size_t total = 0;  // segments in the path, possibly more than stored
};

segments split(std::string_view path) {
  segments out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    if (end > pos) {
      if (out.n < kMaxSegments) out.s[out.n++] = path.substr(pos, end - pos);
      ++out.total;
    }
    pos = end + 1;
  }
  return out;
}

endpoint match_rest(const segments& g, size_t i) {
  const size_t left = g.total - i;
  if (left == 0) return endpoint::other;
  std::string_view a = g.s[i];
  std::string_view b = (left >= 2 && i + 1 < g.n) ? g.s[i + 1] : std::string_view{};
  // Families addressed by id (GET /models/{id}, /files/{id}/content, /batches/{id}/cancel).
  if (a == "models") return endpoint::models;
  if (a == "files") return endpoint::files;
  if (a == "batches") return endpoint::batches;
  if (left == 1) {
    if (a == "completions") return endpoint::completions;
    if (a == "embeddings") return endpoint::embeddings;
    if (a == "responses") return endpoint::responses;  // /responses/{id} is a retrieval: other
    if (a == "moderations") return endpoint::moderations;
    return endpoint::other;
  }
  if (left != 2) return endpoint::other;
  if (a == "chat" && b == "completions") return endpoint::chat_completions;
  if (a == "images") {
    if (b == "generations") return endpoint::images_generations;
    if (b == "edits") return endpoint::images_edits;
  }
  if (a == "audio") {
    if (b == "transcriptions") return endpoint::audio_transcriptions;
    if (b == "translations") return endpoint::audio_translations;
    if (b == "speech") return endpoint::audio_speech;
  }
  return endpoint::other;
}

}  // namespace

path_info classify_path(std::string_view path) {
  path = path.substr(0, path.find_first_of("?#"));
  const segments g = split(path);
  path_info out;
  size_t i = 0;
  if (i < g.n && g.s[i] == "openai") {
    ++i;
    if (i + 1 < g.n && g.s[i] == "deployments") {
      out.deployment = g.s[i + 1];
      i += 2;
    } else if (i < g.n && g.s[i] == "v1") {
      ++i;
    }
  } else if (i < g.n && g.s[i] == "v1") {
    ++i;
  }
  out.ep = match_rest(g, i);
  return out;
}

const char* operation_id(endpoint ep) {
  switch (ep) {
    case endpoint::chat_completions:
      return "createChatCompletion";
    case endpoint::completions:
      return "createCompletion";
    case endpoint::embeddings:
      return "createEmbedding";
    case endpoint::responses:
      return "createResponse";
    case endpoint::images_generations:
      return "createImage";
    case endpoint::images_edits:
      return "createImageEdit";
    case endpoint::audio_transcriptions:
      return "createTranscription";
    case endpoint::audio_translations:
      return "createTranslation";
    case endpoint::audio_speech:
      return "createSpeech";
    case endpoint::moderations:
      return "createModeration";
    case endpoint::models:
      return "listModels";
    case endpoint::files:
      return "createFile";
    case endpoint::batches:
      return "createBatch";
    case endpoint::other:
      break;
  }
  return "other";
}

const char* canonical_path(endpoint ep) {
  switch (ep) {
    case endpoint::chat_completions: return "/v1/chat/completions";
    case endpoint::completions: return "/v1/completions";
    case endpoint::embeddings: return "/v1/embeddings";
    case endpoint::responses: return "/v1/responses";
    case endpoint::images_generations: return "/v1/images/generations";
    case endpoint::images_edits: return "/v1/images/edits";
    case endpoint::audio_transcriptions: return "/v1/audio/transcriptions";
    case endpoint::audio_translations: return "/v1/audio/translations";
    case endpoint::audio_speech: return "/v1/audio/speech";
    case endpoint::moderations: return "/v1/moderations";
    case endpoint::models: return "/v1/models";
    case endpoint::files: return "/v1/files";
    case endpoint::batches: return "/v1/batches";
    case endpoint::other: break;
  }
  return "";
}

}  // namespace llmtap::openai
