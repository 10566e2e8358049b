#pragma once
// Runs tests/unit/tokenizer/reference.js (tiktoken from npm) over a batch of texts.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace llmtap::tokenizer::test {

// Token ids per text from tiktoken's encode_ordinary, or an error message in *error.
std::vector<std::vector<uint32_t>> tiktoken_reference(std::string_view encoding,
                                                      const std::vector<std::string>& texts,
                                                      std::string* error);

// Directory of the corpus built by make_corpus.sh ($LLMTAP_TOKCORPUS_DIR or the setup default).
std::string corpus_dir();

// A slice of the corpus (~0.7 MB): the first bytes (cut at a line end) of a stride of documents,
// of the first document of every section and of every translated-catalogue document, so each
// language and script in the corpus appears.
std::vector<std::string> corpus_slice(std::string* error);

}  // namespace llmtap::tokenizer::test
