#include "tokenizer/chat.h"

#include "tokenizer/models.h"

namespace llmtap::tokenizer {

chat_rules chat_rules_for_model(std::string_view model) {
  if (model == "gpt-3.5-turbo-0301" || model == "gpt-35-turbo-0301") return {4, -1, 3};
  return {};
}

int64_t count_chat_prompt(const encoding& enc, const chat_rules& rules,
                          std::span<const chat_message> messages) {
  int64_t n = 0;
  for (const chat_message& m : messages) {
    n += rules.tokens_per_message;
    n += static_cast<int64_t>(enc.count(m.role));
    n += static_cast<int64_t>(enc.count(m.content));
    if (m.name) n += static_cast<int64_t>(enc.count(*m.name)) + rules.tokens_per_name;
  }
  return n + rules.reply_priming;
}

std::optional<int64_t> count_chat_prompt(std::string_view model,
                                         std::span<const chat_message> messages) {
  const encoding* enc = encoding_for_model(model);
  if (enc == nullptr) return std::nullopt;
  return count_chat_prompt(*enc, chat_rules_for_model(model), messages);
}

}  // namespace llmtap::tokenizer
