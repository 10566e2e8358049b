// Throughput of llmtap's tokenizer on the make_corpus.sh corpus, in the same modes and output
// format as bench_tiktoken.js so run.sh can put both side by side.
//   bench_tokenizer corpus <dir> <encoding> <doc|4k|whole> <reps>
//   bench_tokenizer run <encoding> <char> <bytes>
// Prints one JSON line: pass times, bytes, tokens, and an FNV-1a hash of all ids (equal hashes
// mean identical ids to tiktoken's over the whole corpus).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tokenizer/models.h"

namespace {

using llmtap::tokenizer::encoding;

std::string read_file(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string_view> split(const std::string& corpus, const std::string& docs_tsv,
                                    const std::string& mode) {
  std::vector<std::string_view> out;
  if (mode == "whole") {
    out.emplace_back(corpus);
  } else if (mode == "doc") {
    std::istringstream docs(docs_tsv);
    std::string line;
    while (std::getline(docs, line)) {
      size_t off = 0, len = 0;
      std::istringstream(line) >> off >> len;
      out.push_back(std::string_view(corpus).substr(off, len));
    }
  } else {
    // 4096-byte chunks moved back to a UTF-8 boundary, as bench_tiktoken.js does.
    size_t i = 0;
    while (i < corpus.size()) {
      size_t e = std::min(corpus.size(), i + 4096);
      while (e < corpus.size() && (static_cast<unsigned char>(corpus[e]) & 0xC0) == 0x80) --e;
      out.push_back(std::string_view(corpus).substr(i, e - i));
      i = e;
    }
  }
  return out;
}

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int usage() {
  std::fprintf(stderr,
               "usage: bench_tokenizer corpus <dir> <encoding> <doc|4k|whole> <reps>\n"
               "       bench_tokenizer run <encoding> <char> <bytes>\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  std::string err;
  if (cmd == "corpus" && argc == 6) {
    const double t_load = now();
    const encoding* enc = llmtap::tokenizer::get_encoding(argv[3], &err);
    if (enc == nullptr) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    const double load_s = now() - t_load;
    const std::string dir = argv[2];
    const std::string corpus = read_file(dir + "/corpus.txt");
    const std::string docs = read_file(dir + "/docs.tsv");
    const auto texts = split(corpus, docs, argv[4]);
    const int reps = std::atoi(argv[5]);
    std::vector<double> passes;
    uint64_t tokens = 0, hash = 0;
    for (int r = 0; r < reps + 1; ++r) {  // pass 0 is the cold pass
      uint64_t h = 1469598103934665603ull;
      uint64_t t = 0;
      const double t0 = now();
      for (std::string_view text : texts) {
        for (const uint32_t id : enc->encode_ordinary(text)) {
          h = (h ^ id) * 1099511628211ull;
          ++t;
        }
      }
      passes.push_back(now() - t0);
      tokens = t;
      hash = h;
    }
    std::printf("{\"lib\":\"llmtap\",\"encoding\":\"%s\",\"mode\":\"%s\",\"bytes\":%zu,\"tokens\":%llu,"
                "\"ids_fnv1a\":\"%016llx\",\"load_s\":%.4f,\"passes_s\":[",
                argv[3], argv[4], corpus.size(), static_cast<unsigned long long>(tokens),
                static_cast<unsigned long long>(hash), load_s);
    for (size_t i = 0; i < passes.size(); ++i) std::printf("%s%.4f", i ? "," : "", passes[i]);
    std::printf("]}\n");
    return 0;
  }
  if (cmd == "run" && argc == 5) {
    const encoding* enc = llmtap::tokenizer::get_encoding(argv[2], &err);
    if (enc == nullptr) {
      std::fprintf(stderr, "%s\n", err.c_str());
      return 1;
    }
    const std::string unit = argv[3];
    const size_t bytes = std::strtoull(argv[4], nullptr, 10);
    std::string text;
    while (text.size() + unit.size() <= bytes) text += unit;
    const double t0 = now();
    const auto ids = enc->encode_ordinary(text);
    const double s = now() - t0;
    uint64_t h = 1469598103934665603ull;
    for (const uint32_t id : ids) h = (h ^ id) * 1099511628211ull;
    std::printf("{\"lib\":\"llmtap\",\"encoding\":\"%s\",\"bytes\":%zu,\"tokens\":%zu,"
                "\"ids_fnv1a\":\"%016llx\",\"seconds\":%.6f}\n",
                argv[2], text.size(), ids.size(), static_cast<unsigned long long>(h), s);
    return 0;
  }
  return usage();
}
