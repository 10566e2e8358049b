// The tokenizer on a slice of the setup corpus (third_party/tokenizer/corpus, the same corpus
// bench/tokenizer/run.sh compares with tiktoken from npm).
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

#include "tokenizer/models.h"

#ifndef LLMTAP_SOURCE_DIR
#error LLMTAP_SOURCE_DIR must be defined
#endif

namespace llmtap::bench {
namespace {

// 256 KB from the start of the corpus, cut back to a UTF-8 boundary.
const std::string& corpus_slice() {
  static const std::string s = [] {
    const char* env = std::getenv("LLMTAP_TOKCORPUS_DIR");
    std::string dir = env ? env : LLMTAP_SOURCE_DIR "/third_party/tokenizer/corpus";
    std::ifstream in(dir + "/corpus.txt", std::ios::binary);
    std::string buf(256 * 1024, '\0');
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    buf.resize(static_cast<size_t>(in.gcount()));
    while (!buf.empty() && (static_cast<unsigned char>(buf.back()) & 0xC0) == 0x80) buf.pop_back();
    if (!buf.empty() && static_cast<unsigned char>(buf.back()) >= 0xC0) buf.pop_back();
    return buf;
  }();
  return s;
}

void run(benchmark::State& state, const char* name, bool count_only) {
  std::string err;
  const tokenizer::encoding* enc = tokenizer::get_encoding(name, &err);
  if (!enc) return state.SkipWithError(("no rank file: " + err).c_str());
  const std::string& text = corpus_slice();
  if (text.empty()) return state.SkipWithError("no corpus (run scripts/setup.sh)");
  size_t tokens = 0;
  for (auto _ : state) {
    if (count_only) {
      tokens = enc->count(text);
    } else {
      auto ids = enc->encode_ordinary(text);
      tokens = ids.size();
      benchmark::DoNotOptimize(ids.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_tokenizer_encode_o200k(benchmark::State& s) { run(s, "o200k_base", false); }
void BM_tokenizer_encode_cl100k(benchmark::State& s) { run(s, "cl100k_base", false); }
void BM_tokenizer_count_o200k(benchmark::State& s) { run(s, "o200k_base", true); }
BENCHMARK(BM_tokenizer_encode_o200k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenizer_encode_cl100k)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_tokenizer_count_o200k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace llmtap::bench
