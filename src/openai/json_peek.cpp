#include "openai/json_peek.h"

namespace llmtap::openai {

size_t json_key::value_in(std::string_view text, size_t from) const {
  while (from < text.size()) {
    const auto at = search_(text.begin() + static_cast<std::ptrdiff_t>(from), text.end()).first;
    if (at == text.end()) break;
    const size_t key = static_cast<size_t>(at - text.begin());
    from = key + 1;
    size_t before = key;
    while (before > 0 && is_json_blank(text[before - 1])) --before;
    if (before == 0 || (text[before - 1] != '{' && text[before - 1] != ',')) continue;
    size_t i = key + quoted_.size();
    while (i < text.size() && is_json_blank(text[i])) ++i;
    if (i == text.size() || text[i] != ':') continue;
    for (++i; i < text.size() && is_json_blank(text[i]);) ++i;
    if (i < text.size()) return i;
  }
  return std::string_view::npos;
}

}  // namespace llmtap::openai
