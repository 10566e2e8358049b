#include "reference.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace llmtap::tokenizer::test {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint32_t get_u32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(s[at + i])} << (8 * i);
  return v;
}

}  // namespace

std::vector<std::vector<uint32_t>> tiktoken_reference(std::string_view encoding,
                                                      const std::vector<std::string>& texts,
                                                      std::string* error) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("llmtap-tokref-" + std::to_string(::getpid()) + "-" + std::string(encoding));
  std::filesystem::create_directories(dir);
  std::string in;
  for (const auto& t : texts) {
    put_u32(in, static_cast<uint32_t>(t.size()));
    in += t;
  }
  std::ofstream(dir / "in", std::ios::binary) << in;
  const std::string cmd = "NODE_PATH='" LLMTAP_TOKENIZER_NODE_PATH "' node '" LLMTAP_TOKENIZER_TEST_DIR
                          "/reference.js' " + std::string(encoding) + " '" + (dir / "in").string() +
                          "' '" + (dir / "out").string() + "'";
  const int rc = std::system(cmd.c_str());
  std::vector<std::vector<uint32_t>> result;
  if (rc != 0) {
    *error = "reference.js failed (rc " + std::to_string(rc) +
             "): is node installed and scripts/setup.sh run? command: " + cmd;
    std::filesystem::remove_all(dir);
    return result;
  }
  const std::string out = read_file(dir / "out");
  std::filesystem::remove_all(dir);
  for (size_t at = 0; at + 4 <= out.size();) {
    const uint32_t n = get_u32(out, at);
    at += 4;
    std::vector<uint32_t> ids(n);
    for (uint32_t k = 0; k < n; ++k, at += 4) ids[k] = get_u32(out, at);
    result.push_back(std::move(ids));
  }
  if (result.size() != texts.size()) *error = "reference.js returned a short answer";
  return result;
}

std::string corpus_dir() {
  if (const char* env = std::getenv("LLMTAP_TOKCORPUS_DIR"); env != nullptr && *env != '\0') return env;
  return LLMTAP_TOKCORPUS_DEFAULT_DIR;
}

std::vector<std::string> corpus_slice(std::string* error) {
  const std::filesystem::path dir = corpus_dir();
  const std::string corpus = read_file(dir / "corpus.txt");
  std::istringstream docs(read_file(dir / "docs.tsv"));
  std::vector<std::string> out;
  if (corpus.empty()) {
    *error = "no corpus at " + dir.string() + " (run scripts/setup.sh, or set LLMTAP_TOKCORPUS_DIR)";
    return out;
  }
  std::string line;
  size_t index = 0;
  std::set<std::string> seen_sections;
  while (std::getline(docs, line)) {
    std::istringstream f(line);
    size_t off = 0, len = 0;
    std::string section;
    f >> off >> len >> section;
    // Sections are per language (man_ja, mo_km, ...): the first document of each section, every
    // translated-catalogue document, and every 16th document of the rest.
    const bool catalogue = section.starts_with("mo_");
    const bool first_of_section = seen_sections.insert(section).second;
    if (!catalogue && !first_of_section && index++ % 16 != 0) continue;
    const size_t cap = catalogue ? 700 : 1500;
    std::string_view doc = std::string_view(corpus).substr(off, len);
    if (doc.size() > cap) {
      // Cut at a line end: keeps the UTF-8 valid and the slice natural text.
      const size_t nl = doc.rfind('\n', cap);
      doc = doc.substr(0, nl == std::string_view::npos ? 0 : nl + 1);
    }
    if (!doc.empty()) out.emplace_back(doc);
  }
  return out;
}

}  // namespace llmtap::tokenizer::test
