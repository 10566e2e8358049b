// `llmtap tokens`: count tokens of text, a file or a chat request with llmtap's own
// tiktoken-compatible tokenizer, and estimate what they would cost as input.
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/token_cost.h"
#include "tokenizer/chat.h"
#include "tokenizer/models.h"

namespace llmtap::cli {

namespace {
struct tokens_flags {
  std::string model, encoding, format = "text", input = "-";
  bool chat = false, ids = false;
};

std::string read_input(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Prompt tokens of a chat request ({"model":..., "messages": [...]}) by the chat message rules.
int64_t count_chat(const tokenizer::encoding& enc, const std::string& model, const std::string& text) {
  auto req = nlohmann::json::parse(text, nullptr, false);
  if (req.is_discarded() || !req.is_object() || !req.contains("messages") || !req["messages"].is_array())
    throw std::runtime_error("--chat expects a chat request JSON with a \"messages\" array");
  std::vector<std::string> roles, contents, names;
  for (const auto& m : req["messages"]) {
    if (!m.is_object()) throw std::runtime_error("--chat: every message must be an object");
    roles.push_back(m.value("role", ""));
    std::string content;
    if (m.contains("content") && m["content"].is_string()) content = m["content"].get<std::string>();
    else if (m.contains("content") && m["content"].is_array())
      for (const auto& p : m["content"])
        if (p.is_object() && p.contains("text") && p["text"].is_string()) content += p["text"].get<std::string>();
    contents.push_back(content);
    names.push_back(m.contains("name") && m["name"].is_string() ? m["name"].get<std::string>() : "");
  }
  std::vector<tokenizer::chat_message> msgs;
  for (size_t i = 0; i < roles.size(); ++i) {
    tokenizer::chat_message cm{roles[i], contents[i], std::nullopt};
    if (!names[i].empty()) cm.name = names[i];
    msgs.push_back(cm);
  }
  return tokenizer::count_chat_prompt(enc, tokenizer::chat_rules_for_model(model), msgs);
}

int run_tokens(const tokens_flags& f) {
  if (!f.model.empty() && !f.encoding.empty()) throw std::runtime_error("give --model or --encoding, not both");
  if (f.format != "text" && f.format != "json") throw std::runtime_error("--format must be text or json");
  if (f.ids && f.chat) throw std::runtime_error("--ids prints the ids of ordinary text; it does not combine with --chat");
  std::string text = read_input(f.input);
  std::string model = f.model;
  if (f.chat && model.empty() && f.encoding.empty()) {
    auto req = nlohmann::json::parse(text, nullptr, false);
    if (req.is_object() && req.contains("model") && req["model"].is_string()) model = req["model"].get<std::string>();
  }
  std::string enc_name = !f.encoding.empty() ? f.encoding : std::string(tokenizer::encoding_name_for_model(model));
  std::string err;
  const tokenizer::encoding* enc = tokenizer::get_encoding(enc_name, &err);
  if (!enc) throw std::runtime_error(err.empty() ? "unknown encoding " + enc_name : err);
  if (f.ids) {
    auto ids = enc->encode_ordinary(text);
    std::string out;
    for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
    std::printf("%s\n", out.c_str());
    return 0;
  }
  int64_t n = f.chat ? count_chat(*enc, model, text) : static_cast<int64_t>(enc->count(text));
  std::optional<double> cost;  // (assigned apart: GCC 12 warns on the ternary's empty optional)
  if (!model.empty()) cost = input_cost_usd(model, n);
  if (f.format == "json") {
    nlohmann::json j{{"encoding", enc_name}, {"tokens", n}};
    j["cost_usd"] = cost ? nlohmann::json(*cost) : nlohmann::json(nullptr);
    if (!model.empty()) j["model"] = model;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%lld tokens (%s%s)", static_cast<long long>(n), enc_name.c_str(),
                model.empty() ? "" : (", " + model).c_str());
    if (cost) std::printf(", about $%.6f as input", *cost);
    else if (!model.empty()) std::printf(", %s is unpriced", model.c_str());
    std::printf("\n");
  }
  return 0;
}
}  // namespace

void register_tokens(CLI::App& root, int& exit_code) {
  auto f = std::make_shared<tokens_flags>();
  auto* cmd = root.add_subcommand(
      "tokens",
      "Count tokens with llmtap's tiktoken-compatible tokenizer, and estimate their cost as input.\n"
      "Text is encoded as ordinary text: special-token strings like <|endoftext|> are not special.\n"
      "Examples:  echo 'Hello world' | llmtap tokens --model gpt-4o\n"
      "           llmtap tokens --chat request.json --format json\n"
      "           llmtap tokens --encoding cl100k_base --ids notes.txt");
  cmd->add_option("--model", f->model, "model whose encoding (and input price) to use; unknown models use o200k_base");
  cmd->add_option("--encoding", f->encoding, "o200k_base, cl100k_base, p50k_base or r50k_base");
  cmd->add_flag("--chat", f->chat, "the input is a chat request JSON: count its messages with the chat rules");
  cmd->add_flag("--ids", f->ids, "print the token ids, separated by spaces");
  cmd->add_option("--format", f->format, "text (default) or json: {\"encoding\", \"tokens\", \"cost_usd\"}");
  cmd->add_option("input", f->input, "a file to read, or - for standard input (default)");
  cmd->callback([f, &exit_code] { run_command("tokens", exit_code, [&] { return run_tokens(*f); }); });
}

}  // namespace llmtap::cli
