#include "pricing/normalize.h"

#include <cctype>

namespace llmtap::pricing {
namespace {

bool digits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

int num(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

bool valid_date(int y, int m, int d) {
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 2000 || y > 2099 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m != 2 || d <= 28 || leap;
}

// "YYYYMMDD" with a plausible 20xx date.
bool compact_date(std::string_view s) {
  return s.size() == 8 && digits(s) &&
         valid_date(num(s.substr(0, 4)), num(s.substr(4, 2)), num(s.substr(6, 2)));
}

// "YYYY-MM-DD".
bool dashed_date(std::string_view s) {
  return s.size() == 10 && s[4] == '-' && s[7] == '-' && digits(s.substr(0, 4)) &&
         digits(s.substr(5, 2)) && digits(s.substr(8, 2)) &&
         valid_date(num(s.substr(0, 4)), num(s.substr(5, 2)), num(s.substr(8, 2)));
}

}  // namespace

std::string clean_model(std::string_view model) {
  while (!model.empty() && std::isspace(static_cast<unsigned char>(model.front()))) {
    model.remove_prefix(1);
  }
  while (!model.empty() && std::isspace(static_cast<unsigned char>(model.back()))) {
    model.remove_suffix(1);
  }
  std::string out(model);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Gateways spell "openai/gpt-4o", "azure/gpt-4o", "openrouter/openai/gpt-4o": the model is
  // the last segment. An ft: id is OpenAI's own and is left whole.
  if (!out.starts_with("ft:")) {
    if (const size_t slash = out.rfind('/'); slash != std::string::npos) out.erase(0, slash + 1);
  }
  return out;
}

std::string_view strip_snapshot_date(std::string_view name) {
  if (name.size() > 11 && name[name.size() - 11] == '-' &&
      dashed_date(name.substr(name.size() - 10))) {
    return name.substr(0, name.size() - 11);
  }
  if (name.size() > 9 && name[name.size() - 9] == '-' &&
      compact_date(name.substr(name.size() - 8))) {
    return name.substr(0, name.size() - 9);
  }
  return name;
}

std::string dash_dates(std::string_view name) {
  // Same as genai-prices' /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g.
  std::string out;
  out.reserve(name.size() + 4);
  size_t i = 0;
  while (i < name.size()) {
    if (name[i] == '-' && i + 9 <= name.size() && name[i + 1] == '2' && name[i + 2] == '0' &&
        compact_date(name.substr(i + 1, 8)) &&
        (i + 9 == name.size() || name[i + 9] == '-' || name[i + 9] == ':')) {
      const std::string_view d = name.substr(i + 1, 8);
      out += '-';
      out += d.substr(0, 4);
      out += '-';
      out += d.substr(4, 2);
      out += '-';
      out += d.substr(6, 2);
      i += 9;
      continue;
    }
    out += name[i++];
  }
  return out;
}

std::string_view fine_tune_base(std::string_view cleaned) {
  if (!cleaned.starts_with("ft:")) return {};
  std::string_view rest = cleaned.substr(3);
  return rest.substr(0, rest.find(':'));
}

std::string normalize_model(std::string_view model) {
  std::string name = clean_model(model);
  if (std::string_view base = fine_tune_base(name); !base.empty()) name = std::string(base);
  return std::string(strip_snapshot_date(name));
}

}  // namespace llmtap::pricing
