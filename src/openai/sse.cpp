#include "openai/sse.h"

namespace llmtap::openai {

namespace {
// Buffers grown by one unusually large event are released rather than kept for the life of a
// long stream: 1000 open streams must stay well under the RSS budget.
constexpr size_t kKeepCapacity = 64 * 1024;

void trim_capacity(std::string& s) {
  if (s.capacity() > kKeepCapacity) std::string().swap(s);
}
}  // namespace

void sse_framer::append_data(std::string_view value, bool in_input) {
  if (dropping_) return;
  if (data_lines_ == 0) {
    if (in_input) {
      data_view_ = value;  // the common case: one data line inside this chunk, no copy
      data_in_view_ = true;
    } else {
      data_.assign(value.data(), value.size());
    }
  } else {
    if (data_in_view_) {
      data_.assign(data_view_.data(), data_view_.size());
      data_in_view_ = false;
    }
    if (data_.size() + 1 + value.size() > max_line_) {
      // An event too large to keep is dropped whole rather than dispatched truncated.
      dropping_ = true;
      data_.clear();
      return;
    }
    data_.push_back('\n');
    data_.append(value.data(), value.size());
  }
  ++data_lines_;
}

void sse_framer::dispatched() {
  data_.clear();
  event_.clear();
  data_view_ = {};
  data_lines_ = 0;
  data_in_view_ = false;
  has_event_ = false;
  dropping_ = false;
  trim_capacity(data_);
}

void sse_framer::settle_views() {
  if (data_in_view_) {
    data_.assign(data_view_.data(), data_view_.size());
    data_view_ = {};
    data_in_view_ = false;
  }
  if (line_.empty()) trim_capacity(line_);
}

void sse_framer::reset() {
  dispatched();
  line_.clear();
  trim_capacity(line_);
  trim_capacity(event_);
  pending_cr_ = false;
  skipping_ = false;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Event names (Responses API and audio streams) that carry generated output.
bool is_content_event(std::string_view t) {
  if (!t.ends_with(".delta")) return false;
  return t == "response.output_text.delta" || t == "response.refusal.delta" ||
         t == "response.function_call_arguments.delta" || t == "response.audio.delta" ||
         t == "response.audio.transcript.delta" || t == "response.output_audio.delta" ||
         t == "response.output_audio_transcript.delta" || t.starts_with("response.reasoning") ||
         t == "transcript.text.delta" || t == "speech.audio.delta";
}

// The value of the first "type" key, without unescaping: event type names need none.
std::string_view first_type(std::string_view data) {
  constexpr std::string_view key = "\"type\"";
  size_t p = data.find(key);
  if (p == std::string_view::npos) return {};
  p += key.size();
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != ':') return {};
  ++p;
  while (p < data.size() && is_space(data[p])) ++p;
  if (p >= data.size() || data[p] != '"') return {};
  ++p;
  size_t end = data.find('"', p);
  if (end == std::string_view::npos) return {};
  return data.substr(p, end - p);
}

// True when some occurrence of `key` (quoted, e.g. "\"content\"") has a non-empty string,
// array or object value; "", null, [] and {} are not content.
bool has_nonempty_value(std::string_view data, std::string_view key) {
  size_t from = 0;
  while (true) {
    size_t p = data.find(key, from);
    if (p == std::string_view::npos) return false;
    p += key.size();
    from = p;
    while (p < data.size() && is_space(data[p])) ++p;
    if (p >= data.size() || data[p] != ':') continue;  // a value that merely equals the key
    ++p;
    while (p < data.size() && is_space(data[p])) ++p;
    if (p >= data.size()) return false;
    const char open = data[p];
    char close = 0;
    if (open == '"')
      close = '"';
    else if (open == '[')
      close = ']';
    else if (open == '{')
      close = '}';
    else
      continue;  // null, numbers, booleans
    ++p;
    while (open != '"' && p < data.size() && is_space(data[p])) ++p;
    if (p < data.size() && data[p] != close) return true;
  }
}

}  // namespace

bool event_has_content(std::string_view event_name, std::string_view data) {
  if (!event_name.empty() && event_name != "message") return is_content_event(event_name);
  // Dotted "type" values name Responses/audio events; chat chunks only nest undotted ones
  // ("function") inside tool_calls.
  if (std::string_view t = first_type(data); t.find('.') != std::string_view::npos) {
    return is_content_event(t);
  }
  // chat.completion.chunk / text_completion: generated text sits in choices[].delta or
  // choices[].text; the usage chunk and role-only first chunk carry none of these keys filled.
  for (std::string_view key :
       {std::string_view("\"content\""), std::string_view("\"text\""),
        std::string_view("\"tool_calls\""), std::string_view("\"refusal\""),
        std::string_view("\"reasoning_content\""), std::string_view("\"reasoning\""),
        std::string_view("\"function_call\"")}) {
    if (has_nonempty_value(data, key)) return true;
  }
  return false;
}

}  // namespace llmtap::openai
