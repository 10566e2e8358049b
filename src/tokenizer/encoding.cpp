#include "tokenizer/encoding.h"

#include <array>
#include <fstream>
#include <sstream>

#include "tokenizer/bpe.h"

namespace llmtap::tokenizer {
namespace {

// Facts from tiktoken_ext/openai_public.py (and the npm package's encoders/*.json).
struct special {
  std::string_view text;
  uint32_t id;
};
struct spec {
  std::string_view name;
  std::string_view file;  // rank file stem
  pattern_kind pattern;
  std::vector<special> specials;
};

const std::vector<spec>& specs() {
  static const std::vector<spec> all = {
      {"o200k_base", "o200k_base", pattern_kind::o200k,
       {{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}}},
      {"cl100k_base", "cl100k_base", pattern_kind::cl100k,
       {{"<|endoftext|>", 100257},
        {"<|fim_prefix|>", 100258},
        {"<|fim_middle|>", 100259},
        {"<|fim_suffix|>", 100260},
        {"<|endofprompt|>", 100276}}},
      {"p50k_base", "p50k_base", pattern_kind::gpt2, {{"<|endoftext|>", 50256}}},
      {"p50k_edit", "p50k_base", pattern_kind::gpt2,
       {{"<|endoftext|>", 50256},
        {"<|fim_prefix|>", 50281},
        {"<|fim_middle|>", 50282},
        {"<|fim_suffix|>", 50283}}},
      {"r50k_base", "r50k_base", pattern_kind::gpt2, {{"<|endoftext|>", 50256}}},
  };
  return all;
}

const spec* find_spec(std::string_view name) {
  if (name == "gpt2") name = "r50k_base";  // same ranks, pattern and special token
  for (const spec& s : specs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

struct vector_sink {
  std::vector<uint32_t>& out;
  void one(uint32_t id) { out.push_back(id); }
  void many(const std::vector<uint32_t>& ids) { out.insert(out.end(), ids.begin(), ids.end()); }
};
struct count_sink {
  size_t n = 0;
  void one(uint32_t) { ++n; }
  void many(const std::vector<uint32_t>& ids) { n += ids.size(); }
};

}  // namespace

std::span<const std::string_view> encoding::names() {
  static const std::array<std::string_view, 5> n = {"o200k_base", "cl100k_base", "p50k_base",
                                                    "p50k_edit", "r50k_base"};
  return n;
}

load_result encoding::from_ranks(std::string_view name, std::string_view tiktoken_file) {
  const spec* s = find_spec(name);
  if (s == nullptr) return {nullptr, "unknown encoding '" + std::string(name) + "'"};
  auto enc = std::make_shared<encoding>();
  enc->name_ = s->name;
  enc->pattern_ = s->pattern;
  if (std::string err = enc->ranks_.parse(tiktoken_file); !err.empty()) {
    return {nullptr, std::string(s->file) + ".tiktoken: " + err};
  }
  // Every byte must be a token: BPE starts from single bytes and relies on it.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    if (enc->ranks_.find(std::string_view(&c, 1)) == no_rank) {
      return {nullptr, std::string(s->file) + ".tiktoken: byte " + std::to_string(b) + " has no rank"};
    }
  }
  enc->n_vocab_ = enc->ranks_.max_rank() + 1;
  for (const special& sp : s->specials) {
    enc->specials_.emplace_back(std::string(sp.text), sp.id);
    enc->n_vocab_ = std::max(enc->n_vocab_, sp.id + 1);
  }
  return {std::move(enc), {}};
}

load_result encoding::load(std::string_view name, const std::filesystem::path& dir) {
  const spec* s = find_spec(name);
  if (s == nullptr) return {nullptr, "unknown encoding '" + std::string(name) + "'"};
  const std::filesystem::path file = dir / (std::string(s->file) + ".tiktoken");
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return {nullptr, "tokenizer rank file " + file.string() +
                         " not found (run scripts/setup.sh, or set LLMTAP_TOKENIZER_DIR)"};
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  load_result r = from_ranks(name, buf.str());
  if (!r.ok()) r.error = file.string() + ": " + r.error;
  return r;
}

template <class Sink>
void encoding::encode_into(std::string_view text, Sink& sink, std::vector<uint32_t>& scratch) const {
  for_each_piece(pattern_, text, [&](std::string_view piece) {
    // Most pieces are whole tokens: one lookup, no merging.
    const uint32_t r = ranks_.find(piece);
    if (r != no_rank) {
      sink.one(r);
      return;
    }
    scratch.clear();
    bpe_merge(ranks_, piece, scratch);
    sink.many(scratch);
  });
}

std::vector<uint32_t> encoding::encode_ordinary(std::string_view text) const {
  std::vector<uint32_t> out;
  out.reserve(text.size() / 3 + 1);
  std::vector<uint32_t> scratch;
  vector_sink sink{out};
  encode_into(text, sink, scratch);
  return out;
}

size_t encoding::count(std::string_view text) const {
  count_sink sink;
  std::vector<uint32_t> scratch;
  encode_into(text, sink, scratch);
  return sink.n;
}

std::vector<uint32_t> encoding::encode_with_special_tokens(std::string_view text) const {
  std::vector<uint32_t> out;
  std::vector<uint32_t> scratch;
  vector_sink sink{out};
  size_t pos = 0;
  while (pos <= text.size()) {
    // Earliest special token from pos. No special token is a prefix of another, so two can never
    // match at the same position and the order of specials_ does not matter.
    size_t best = std::string_view::npos;
    const std::pair<std::string, uint32_t>* hit = nullptr;
    for (const auto& sp : specials_) {
      const size_t at = text.find(sp.first, pos);
      if (at < best) {
        best = at;
        hit = &sp;
      }
    }
    if (hit == nullptr) {
      encode_into(text.substr(pos), sink, scratch);
      break;
    }
    encode_into(text.substr(pos, best - pos), sink, scratch);
    out.push_back(hit->second);
    pos = best + hit->first.size();
  }
  return out;
}

uint32_t encoding::special_token(std::string_view text) const {
  for (const auto& sp : specials_) {
    if (sp.first == text) return sp.second;
  }
  return no_rank;
}

std::string_view encoding::token_bytes(uint32_t id) const {
  const std::string_view b = ranks_.bytes(id);
  if (!b.empty()) return b;
  for (const auto& sp : specials_) {
    if (sp.second == id) return sp.first;
  }
  return {};
}

std::string encoding::decode(std::span<const uint32_t> tokens) const {
  std::string out;
  for (const uint32_t id : tokens) out += token_bytes(id);
  return out;
}

}  // namespace llmtap::tokenizer
