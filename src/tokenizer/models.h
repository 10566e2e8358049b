#pragma once
// Which encoding a model uses (tiktoken's MODEL_TO_ENCODING and MODEL_PREFIX_TO_ENCODING), and
// the process-wide cache of loaded encodings.
#include <filesystem>
#include <string>
#include <string_view>

#include "tokenizer/encoding.h"

namespace llmtap::tokenizer {

// Encoding name for a model: exact name first, then tiktoken's prefixes in tiktoken's order.
// A gateway-style "provider/model" is looked up by the part after the last '/'. gpt-oss-* maps
// to o200k_base (o200k_harmony has the same ranks and pattern; only its special tokens differ,
// and ordinary text never produces those). Unknown models get o200k_base, like gpt-tokenizer.
std::string_view encoding_name_for_model(std::string_view model);

// Where rank files are read from, first that applies:
//   1. $LLMTAP_TOKENIZER_DIR
//   2. <dir of the running binary>/../share/llmtap/tokenizer, if it holds o200k_base.tiktoken
//   3. the source tree's third_party/tokenizer/ranks (filled by scripts/setup.sh)
std::filesystem::path default_rank_dir();

// Loaded once per process from default_rank_dir() and kept for its lifetime (thread-safe).
// nullptr if the rank file is missing or corrupt; *error (if given) then says why.
const encoding* get_encoding(std::string_view name, std::string* error = nullptr);
const encoding* encoding_for_model(std::string_view model, std::string* error = nullptr);

}  // namespace llmtap::tokenizer
