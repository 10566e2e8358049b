#include "metrics/labels.h"

#include <algorithm>
#include <stdexcept>

#include "metrics/call_facts.h"

namespace llmtap::metrics {
namespace {

constexpr label kAllowable[] = {
    label::model,   label::endpoint,     label::provider, label::service,      label::env,
    label::version, label::status_class, label::upstream, label::organization, label::project};

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (overlong forms,
// surrogates and code points above U+10FFFF included).
size_t utf8_sequence(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7F;
}

}  // namespace

const char* label_name(label l) {
  switch (l) {
    case label::model:
      return "model";
    case label::endpoint:
      return "endpoint";
    case label::provider:
      return "provider";
    case label::service:
      return "service";
    case label::env:
      return "env";
    case label::version:
      return "version";
    case label::status_class:
      return "status_class";
    case label::upstream:
      return "upstream";
    case label::organization:
      return "organization";
    case label::project:
      return "project";
    case label::api_key:
      return "api_key";
  }
  return "?";
}

std::string known_label_names() {
  std::string s;
  for (label l : kAllowable) {
    if (!s.empty()) s += ", ";
    s += label_name(l);
  }
  return s;
}

std::vector<label> parse_labels(const std::vector<std::string>& names) {
  std::vector<label> out;
  for (const auto& n : names) {
    if (n == "api_key")
      throw std::invalid_argument(
          "prometheus.labels: api_key is not set here; use prometheus.api_key_label = true");
    if (n == "user")
      throw std::invalid_argument(
          "prometheus.labels: user is not set here; see prometheus.user_label");
    auto it = std::find_if(std::begin(kAllowable), std::end(kAllowable),
                           [&](label l) { return n == label_name(l); });
    if (it == std::end(kAllowable))
      throw std::invalid_argument("prometheus.labels: unknown label \"" + n +
                                  "\" (known: " + known_label_names() + ")");
    if (std::find(out.begin(), out.end(), *it) != out.end())
      throw std::invalid_argument("prometheus.labels: \"" + n + "\" is listed twice");
    out.push_back(*it);
  }
  return out;
}

std::string_view raw_value(label l, const exchange& x) {
  switch (l) {
    case label::model:
      return model_of(x);
    case label::endpoint:
      return to_string(x.ep);
    case label::provider:
      return provider_of(x);
    case label::service:
      return x.service;
    case label::env:
      return x.env;
    case label::version:
      return x.version;
    case label::status_class:
      return status_class_of(x);
    case label::upstream:
      return x.upstream;
    case label::organization:
      return x.organization;
    case label::project:
      return x.project;
    case label::api_key:
      return x.key_label;
  }
  return {};
}

std::string_view sanitize(std::string_view v, std::string& scratch) {
  bool clean = v.size() <= kMaxLabelValue;
  for (size_t i = 0; clean && i < v.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(v[i]);
    clean = c >= 0x20 && c < 0x7F;  // printable ASCII: the common case, no decoding needed
  }
  if (clean) return v;
  scratch.clear();
  for (size_t i = 0; i < v.size();) {
    size_t n = utf8_sequence(v, i);
    std::string_view piece = n == 0 || (n == 1 && is_control(static_cast<unsigned char>(v[i])))
                                 ? std::string_view("?")
                                 : v.substr(i, n);
    if (scratch.size() + piece.size() > kMaxLabelValue) break;  // whole characters only
    scratch.append(piece);
    i += n == 0 ? 1 : n;
  }
  return scratch;
}

}  // namespace llmtap::metrics
