#pragma once
// Prompt tokens of a chat completions request, by the OpenAI cookbook's num_tokens_from_messages
// (reference/openai-api.md §6.3). An estimate: used only when a response carries no usage.
// Covers role/content/name strings; tools, images and array content are not counted here.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tokenizer/encoding.h"

namespace llmtap::tokenizer {

struct chat_message {
  std::string_view role;
  std::string_view content;
  std::optional<std::string_view> name;  // present only when the message has a "name" key
};

struct chat_rules {
  int tokens_per_message = 3;
  int tokens_per_name = 1;
  int reply_priming = 3;  // every reply is primed with <|start|>assistant<|message|>
};

// gpt-3.5-turbo-0301 wraps messages differently: 4 per message, and a name replaces the role.
chat_rules chat_rules_for_model(std::string_view model);

int64_t count_chat_prompt(const encoding& enc, const chat_rules& rules,
                          std::span<const chat_message> messages);

// With the model's encoding and rules; nullopt if the encoding cannot be loaded.
std::optional<int64_t> count_chat_prompt(std::string_view model,
                                         std::span<const chat_message> messages);

}  // namespace llmtap::tokenizer
