#include "tokenizer/models.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <utility>

namespace llmtap::tokenizer {
namespace {

// tiktoken@1.0.22 model_to_encoding.json (generated from tiktoken's model.py).
constexpr std::pair<std::string_view, std::string_view> exact_models[] = {
    {"davinci-002", "cl100k_base"},
    {"babbage-002", "cl100k_base"},
    {"text-davinci-003", "p50k_base"},
    {"text-davinci-002", "p50k_base"},
    {"text-davinci-001", "r50k_base"},
    {"text-curie-001", "r50k_base"},
    {"text-babbage-001", "r50k_base"},
    {"text-ada-001", "r50k_base"},
    {"davinci", "r50k_base"},
    {"curie", "r50k_base"},
    {"babbage", "r50k_base"},
    {"ada", "r50k_base"},
    {"code-davinci-002", "p50k_base"},
    {"code-davinci-001", "p50k_base"},
    {"code-cushman-002", "p50k_base"},
    {"code-cushman-001", "p50k_base"},
    {"davinci-codex", "p50k_base"},
    {"cushman-codex", "p50k_base"},
    {"text-davinci-edit-001", "p50k_edit"},
    {"code-davinci-edit-001", "p50k_edit"},
    {"text-embedding-ada-002", "cl100k_base"},
    {"text-embedding-3-small", "cl100k_base"},
    {"text-embedding-3-large", "cl100k_base"},
    {"text-similarity-davinci-001", "r50k_base"},
    {"text-similarity-curie-001", "r50k_base"},
    {"text-similarity-babbage-001", "r50k_base"},
    {"text-similarity-ada-001", "r50k_base"},
    {"text-search-davinci-doc-001", "r50k_base"},
    {"text-search-curie-doc-001", "r50k_base"},
    {"text-search-babbage-doc-001", "r50k_base"},
    {"text-search-ada-doc-001", "r50k_base"},
    {"code-search-babbage-code-001", "r50k_base"},
    {"code-search-ada-code-001", "r50k_base"},
    {"gpt2", "gpt2"},
    {"gpt-3.5-turbo", "cl100k_base"},
    {"gpt-35-turbo", "cl100k_base"},
    {"gpt-3.5-turbo-0301", "cl100k_base"},
    {"gpt-3.5-turbo-0613", "cl100k_base"},
    {"gpt-3.5-turbo-1106", "cl100k_base"},
    {"gpt-3.5-turbo-0125", "cl100k_base"},
    {"gpt-3.5-turbo-16k", "cl100k_base"},
    {"gpt-3.5-turbo-16k-0613", "cl100k_base"},
    {"gpt-3.5-turbo-instruct", "cl100k_base"},
    {"gpt-3.5-turbo-instruct-0914", "cl100k_base"},
    {"gpt-4", "cl100k_base"},
    {"gpt-4-0314", "cl100k_base"},
    {"gpt-4-0613", "cl100k_base"},
    {"gpt-4-32k", "cl100k_base"},
    {"gpt-4-32k-0314", "cl100k_base"},
    {"gpt-4-32k-0613", "cl100k_base"},
    {"gpt-4-turbo", "cl100k_base"},
    {"gpt-4-turbo-2024-04-09", "cl100k_base"},
    {"gpt-4-turbo-preview", "cl100k_base"},
    {"gpt-4-1106-preview", "cl100k_base"},
    {"gpt-4-0125-preview", "cl100k_base"},
    {"gpt-4-vision-preview", "cl100k_base"},
    {"gpt-4o", "o200k_base"},
    {"gpt-4o-2024-05-13", "o200k_base"},
    {"gpt-4o-2024-08-06", "o200k_base"},
    {"gpt-4o-2024-11-20", "o200k_base"},
    {"gpt-4o-mini-2024-07-18", "o200k_base"},
    {"gpt-4o-mini", "o200k_base"},
    {"gpt-4o-search-preview", "o200k_base"},
    {"gpt-4o-search-preview-2025-03-11", "o200k_base"},
    {"gpt-4o-mini-search-preview", "o200k_base"},
    {"gpt-4o-mini-search-preview-2025-03-11", "o200k_base"},
    {"gpt-4o-audio-preview", "o200k_base"},
    {"gpt-4o-audio-preview-2024-12-17", "o200k_base"},
    {"gpt-4o-audio-preview-2024-10-01", "o200k_base"},
    {"gpt-4o-mini-audio-preview", "o200k_base"},
    {"gpt-4o-mini-audio-preview-2024-12-17", "o200k_base"},
    {"o1", "o200k_base"},
    {"o1-2024-12-17", "o200k_base"},
    {"o1-mini", "o200k_base"},
    {"o1-mini-2024-09-12", "o200k_base"},
    {"o1-preview", "o200k_base"},
    {"o1-preview-2024-09-12", "o200k_base"},
    {"o1-pro", "o200k_base"},
    {"o1-pro-2025-03-19", "o200k_base"},
    {"o3", "o200k_base"},
    {"o3-2025-04-16", "o200k_base"},
    {"o3-mini", "o200k_base"},
    {"o3-mini-2025-01-31", "o200k_base"},
    {"o4-mini", "o200k_base"},
    {"o4-mini-2025-04-16", "o200k_base"},
    {"chatgpt-4o-latest", "o200k_base"},
    {"gpt-4o-realtime", "o200k_base"},
    {"gpt-4o-realtime-preview-2024-10-01", "o200k_base"},
    {"gpt-4o-realtime-preview-2024-12-17", "o200k_base"},
    {"gpt-4o-mini-realtime-preview", "o200k_base"},
    {"gpt-4o-mini-realtime-preview-2024-12-17", "o200k_base"},
    {"gpt-4.1", "o200k_base"},
    {"gpt-4.1-2025-04-14", "o200k_base"},
    {"gpt-4.1-mini", "o200k_base"},
    {"gpt-4.1-mini-2025-04-14", "o200k_base"},
    {"gpt-4.1-nano", "o200k_base"},
    {"gpt-4.1-nano-2025-04-14", "o200k_base"},
    {"gpt-4.5-preview", "o200k_base"},
    {"gpt-4.5-preview-2025-02-27", "o200k_base"},
    {"gpt-5", "o200k_base"},
    {"gpt-5-2025-08-07", "o200k_base"},
    {"gpt-5-nano", "o200k_base"},
    {"gpt-5-nano-2025-08-07", "o200k_base"},
    {"gpt-5-mini", "o200k_base"},
    {"gpt-5-mini-2025-08-07", "o200k_base"},
    {"gpt-5-chat-latest", "o200k_base"},
    {"gpt-3.5", "cl100k_base"},  // in model.py, not in the npm map
};

// tiktoken model.py MODEL_PREFIX_TO_ENCODING, same order (first match wins).
constexpr std::pair<std::string_view, std::string_view> prefix_models[] = {
    {"o1-", "o200k_base"},
    {"o3-", "o200k_base"},
    {"o4-mini-", "o200k_base"},
    {"gpt-5-", "o200k_base"},
    {"gpt-4.5-", "o200k_base"},
    {"gpt-4.1-", "o200k_base"},
    {"chatgpt-4o-", "o200k_base"},
    {"gpt-4o-", "o200k_base"},
    {"gpt-4-", "cl100k_base"},
    {"gpt-3.5-turbo-", "cl100k_base"},
    {"gpt-35-turbo-", "cl100k_base"},
    {"gpt-oss-", "o200k_base"},
    {"ft:gpt-4o", "o200k_base"},
    {"ft:gpt-4", "cl100k_base"},
    {"ft:gpt-3.5-turbo", "cl100k_base"},
    {"ft:davinci-002", "cl100k_base"},
    {"ft:babbage-002", "cl100k_base"},
};

std::string_view lookup(std::string_view model) {
  for (const auto& [name, enc] : exact_models) {
    if (name == model) return enc == "gpt2" ? "r50k_base" : enc;
  }
  for (const auto& [prefix, enc] : prefix_models) {
    if (model.substr(0, prefix.size()) == prefix) return enc;
  }
  return {};
}

std::filesystem::path exe_dir() {
  std::error_code ec;
  const auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path{} : p.parent_path();
}

}  // namespace

std::string_view encoding_name_for_model(std::string_view model) {
  if (std::string_view e = lookup(model); !e.empty()) return e;
  if (!model.starts_with("ft:")) {
    if (const size_t slash = model.rfind('/'); slash != std::string_view::npos) {
      if (std::string_view e = lookup(model.substr(slash + 1)); !e.empty()) return e;
    }
  }
  return "o200k_base";
}

std::filesystem::path default_rank_dir() {
  if (const char* env = std::getenv("LLMTAP_TOKENIZER_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  const std::filesystem::path dir = exe_dir();
  if (!dir.empty()) {
    const auto installed = dir.parent_path() / "share" / "llmtap" / "tokenizer";
    std::error_code ec;
    if (std::filesystem::exists(installed / "o200k_base.tiktoken", ec)) return installed;
  }
  return LLMTAP_TOKENIZER_SOURCE_DIR;
}

const encoding* get_encoding(std::string_view name, std::string* error) {
  // Loaded encodings live until exit; a failure is remembered too, so a missing file costs one
  // attempt per process rather than a disk read per call on the data path.
  static std::mutex mu;
  static std::map<std::string, load_result, std::less<>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(name);
  if (it == cache.end()) {
    it = cache.emplace(std::string(name), encoding::load(name, default_rank_dir())).first;
  }
  if (!it->second.ok() && error != nullptr) *error = it->second.error;
  return it->second.value.get();
}

const encoding* encoding_for_model(std::string_view model, std::string* error) {
  return get_encoding(encoding_name_for_model(model), error);
}

}  // namespace llmtap::tokenizer
