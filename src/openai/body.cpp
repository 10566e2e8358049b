#include "openai/body.h"

#include <simdjson.h>

#include <string>
#include <utility>

#include "openai/headers.h"
#include "openai/multipart.h"

namespace llmtap::openai {

namespace od = simdjson::ondemand;

namespace {

// Only the pipeline thread parses; thread_local keeps the parser's and the copy's buffers warm
// across calls without sharing them.
thread_local od::parser t_parser;
thread_local std::string t_buf;

// Model names are short; anything longer is garbage we do not want in every metric tag.
constexpr size_t kMaxModel = 256;

// Replaces bytes that are not valid UTF-8 with '?', so one bad byte in a prompt echo does not
// cost every other fact (simdjson rejects the whole document otherwise).
void scrub_utf8(std::string& s) {
  size_t i = 0;
  const size_t n = s.size();
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= n && !(len == 2 && c < 0xC2) && !(len == 4 && c > 0xF4);
    for (size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    } else if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (ok) {
      i += len;
    } else {
      s[i] = '?';
      ++i;
    }
  }
}

// Makes a capture cut off at its cap parseable: the unfinished string or scalar at the cut is
// dropped (a partial "gpt-4o-mi" or a 2 that was 29 would be wrong, not just missing), then the
// open arrays and objects are closed. Fields before the cut then read normally; the walk stops
// with an error at the field that was cut.
void close_truncated(std::string& s) {
  std::string closers;
  bool in_str = false, esc = false;
  size_t str_start = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_str) {
      if (esc)
        esc = false;
      else if (c == '\\')
        esc = true;
      else if (c == '"')
        in_str = false;
      continue;
    }
    if (c == '"')
      in_str = true, str_start = i;
    else if (c == '{')
      closers.push_back('}');
    else if (c == '[')
      closers.push_back(']');
    else if ((c == '}' || c == ']') && !closers.empty())
      closers.pop_back();
  }
  if (in_str) s.resize(str_start);
  auto partial_scalar = [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '+' || c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  while (!s.empty() && partial_scalar(s.back())) s.pop_back();
  s.append(closers.rbegin(), closers.rend());
}

// Control characters inside strings (a raw tab or newline, which JSON wants escaped) become
// spaces: simdjson rejects the whole document for one, and the facts are elsewhere.
void blank_control_chars_in_strings(std::string& s) {
  bool in_str = false, esc = false;
  for (char& c : s) {
    if (!in_str) {
      in_str = c == '"';
    } else if (esc) {
      esc = false;
    } else if (c == '\\') {
      esc = true;
    } else if (c == '"') {
      in_str = false;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
}

// Parses `bytes` as one JSON document and hands its root object to fn. Retries once with
// invalid UTF-8 scrubbed, once with control characters in strings blanked and once with a
// truncation repaired, as simdjson rejects the whole document for each. A capture with room for
// simdjson's padding after it (the worker leaves it: proxy/stream_capture.h) is parsed where it is;
// copying every body first was ~2% of llmtap's CPU. Returns true when fn saw the document as it
// was sent (no repair was needed).
static_assert(kCapturePadding >= simdjson::SIMDJSON_PADDING);

// A parser that read a large document keeps buffers of ~5x its size, and so does the copy for
// repairs. Each thread that parses (the pipeline, and every proxy worker for the requests it may
// rewrite) lets them go past this size: a 1 MB image prompt must not pin ~5 MB per thread.
constexpr size_t kKeepParserCapacity = 256 * 1024;

void release_large_buffers() {
  if (t_parser.capacity() > kKeepParserCapacity) t_parser = od::parser();
  if (t_buf.capacity() > kKeepParserCapacity) std::string().swap(t_buf);
}

// `readable`: how many bytes from bytes.data() may be read (a string's capacity, or the rest of
// a larger buffer). With the parser's padding among them the document is parsed in place.
template <class Fn>
bool with_root_object(std::string_view bytes, size_t readable, Fn&& fn) {
  struct release_after {
    ~release_after() { release_large_buffers(); }
  } release;
  if (readable >= bytes.size() + simdjson::SIMDJSON_PADDING) {
    od::document doc;
    od::object root;
    auto err = t_parser.iterate(simdjson::padded_string_view(bytes.data(), bytes.size(), readable))
                   .get(doc);
    if (!err) err = doc.get_object().get(root);
    if (!err) {
      fn(root);
      return true;
    }
    // A document in error is parsed again from a copy, which the repairs below may change.
  }
  bool repaired = false, scrubbed = false, blanked = false;
  t_buf.assign(bytes.data(), bytes.size());
  for (int attempt = 0; attempt < 4; ++attempt) {
    const size_t len = t_buf.size();
    t_buf.append(simdjson::SIMDJSON_PADDING, ' ');
    od::document doc;
    od::object root;
    auto err =
        t_parser.iterate(simdjson::padded_string_view(t_buf.data(), len, t_buf.size())).get(doc);
    if (!err) err = doc.get_object().get(root);
    if (!err) {
      fn(root);
      return attempt == 0;
    }
    t_buf.resize(len);
    if (err == simdjson::UTF8_ERROR && !scrubbed) {
      scrubbed = true;
      scrub_utf8(t_buf);
    } else if (err == simdjson::UNESCAPED_CHARS && !blanked) {
      blanked = true;
      blank_control_chars_in_strings(t_buf);
    } else if ((err == simdjson::UNCLOSED_STRING || err == simdjson::INCOMPLETE_ARRAY_OR_OBJECT) &&
               !repaired) {
      repaired = true;
      close_truncated(t_buf);
    } else {
      return false;
    }
  }
  return false;
}

template <class Fn>
bool with_root_object(const std::string& bytes, Fn&& fn) {
  return with_root_object(std::string_view(bytes), bytes.capacity(), std::forward<Fn>(fn));
}

bool is_type(od::value& v, od::json_type want) {
  od::json_type t;
  return !v.type().get(t) && t == want;
}

// A string value, as a view that dies with the next parse. False if not a string.
bool read_view(od::value& v, std::string_view& out) {
  return is_type(v, od::json_type::string) && !v.get_string().get(out);
}

// A string value, copied out (into `out`'s buffer, kept from call to call). False if not a
// string.
bool read_string(od::value& v, std::string& out) {
  std::string_view s;
  if (!read_view(v, s)) return false;
  out.assign(s.data(), s.size());
  return true;
}

// A scalar as text: error codes come as strings ("rate_limit_exceeded"), numbers (vLLM 400) or
// null. Empty for null and anything unreadable.
std::string scalar_text(od::value& v) {
  std::string out;
  od::json_type t;
  if (v.type().get(t)) return out;
  if (t == od::json_type::string) {
    read_string(v, out);
  } else if (t == od::json_type::number || t == od::json_type::boolean) {
    out.assign(trim(v.raw_json_token()));
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  }
  return out;
}

// A token count; -1 for null, negative, non-numeric or absurd values.
int64_t read_count(od::value& v) {
  if (!is_type(v, od::json_type::number)) return -1;
  int64_t i = 0;
  if (!v.get_int64().get(i)) return i >= 0 ? i : -1;
  double d = 0;
  if (!v.get_double().get(d) && d >= 0 && d < 9e15) return static_cast<int64_t>(d + 0.5);
  return -1;
}

template <class Fn>
void for_each_field(od::value& v, Fn&& fn) {
  od::object o;
  if (!is_type(v, od::json_type::object) || v.get_object().get(o)) return;
  for (auto f : o) {
    od::field field;
    std::string_view key;
    if (std::move(f).get(field) || field.unescaped_key().get(key)) return;
    fn(key, field.value());
  }
}

// *_tokens_details objects: cached/audio on the input side, reasoning/audio on the output side.
void read_details(od::value& v, int64_t* cached, int64_t* reasoning, int64_t* audio) {
  for_each_field(v, [&](std::string_view k, od::value& f) {
    if (cached && k == "cached_tokens")
      *cached = read_count(f);
    else if (reasoning && k == "reasoning_tokens")
      *reasoning = read_count(f);
    else if (audio && k == "audio_tokens")
      *audio = read_count(f);
  });
}

// CompletionUsage, embeddings usage, ResponseUsage, images usage and transcription token usage
// share field names closely enough for one reader. Duration-billed transcription usage
// ({"type":"duration","seconds":..}) has no tokens and leaves `u` as it was.
void read_usage(od::value& v, usage& out) {
  usage u;
  for_each_field(v, [&](std::string_view k, od::value& f) {
    if (k == "prompt_tokens" || k == "input_tokens")
      u.input_tokens = read_count(f);
    else if (k == "completion_tokens" || k == "output_tokens")
      u.output_tokens = read_count(f);
    else if (k == "total_tokens")
      u.total_tokens = read_count(f);
    else if (k == "prompt_tokens_details" || k == "input_tokens_details" ||
             k == "input_token_details") {
      read_details(f, &u.cached_input_tokens, nullptr, &u.audio_input_tokens);
    } else if (k == "completion_tokens_details" || k == "output_tokens_details") {
      read_details(f, nullptr, &u.reasoning_tokens, &u.audio_output_tokens);
    }
  });
  if (u.input_tokens < 0 && u.output_tokens < 0 && u.total_tokens < 0) return;
  u.source = usage_source::reported;
  out = u;
}

// {"message","type","param","code"}; Azure and Responses errors have no type, so the code
// stands in for it. A bare or empty error still marks the call as failed.
bool read_error(od::value& v, exchange& x) {
  std::string type, code;
  if (is_type(v, od::json_type::object)) {
    for_each_field(v, [&](std::string_view k, od::value& f) {
      if (k == "type")
        type = scalar_text(f);
      else if (k == "code")
        code = scalar_text(f);
    });
  } else if (!is_type(v, od::json_type::string)) {
    return false;  // "error": null on a successful Responses body
  }
  x.error_code = code;
  x.error_type = !type.empty() ? type : !code.empty() ? code : "error";
  return true;
}

bool terminal_status(std::string_view s) {
  return s == "completed" || s == "incomplete" || s == "failed" || s == "cancelled";
}

// One JSON object: a whole response body, a stream event, or a Responses event's embedded
// `response`. Later calls overwrite what earlier ones found, so stream events are walked in
// arrival order.
void walk(od::object& obj, exchange& x, bool nested) {
  std::string object, type, code, status, incomplete_reason;
  bool error_seen = false, first_choice_done = false;
  for (auto f : obj) {
    od::field field;
    std::string_view k;
    if (std::move(f).get(field) || field.unescaped_key().get(k)) break;
    od::value& v = field.value();
    if (k == "model") {
      std::string_view m;
      if (read_view(v, m) && !m.empty() && m.size() <= kMaxModel) x.model_served.assign(m);
    } else if (k == "object") {
      read_string(v, object);
    } else if (k == "type") {
      read_string(v, type);
    } else if (k == "code") {
      code = scalar_text(v);
    } else if (k == "status") {
      read_string(v, status);
    } else if (k == "incomplete_details") {
      for_each_field(v, [&](std::string_view dk, od::value& dv) {
        if (dk == "reason") read_string(dv, incomplete_reason);
      });
    } else if (k == "error") {
      error_seen = read_error(v, x) || error_seen;
    } else if (k == "usage") {
      read_usage(v, x.usage);
    } else if (k == "choices") {
      od::array arr;
      if (!is_type(v, od::json_type::array) || v.get_array().get(arr)) continue;
      for (auto c : arr) {
        od::value cv;
        if (std::move(c).get(cv)) break;
        if (first_choice_done) continue;
        for_each_field(cv, [&](std::string_view ck, od::value& fv) {
          std::string_view reason;
          if (ck == "finish_reason" && read_view(fv, reason) && !reason.empty()) {
            x.finish_reason.assign(reason);
            first_choice_done = true;
          }
        });
      }
    } else if (k == "response" && !nested) {
      od::object inner;
      if (is_type(v, od::json_type::object) && !v.get_object().get(inner)) walk(inner, x, true);
    }
  }
  if (object == "error") {  // vLLM: the error fields sit at the top level
    x.error_code = code;
    x.error_type = !type.empty() ? type : !code.empty() ? code : "error";
  } else if (type == "error" && !nested && !error_seen) {  // Responses `error` event
    x.error_code = code;
    x.error_type = !code.empty() ? code : "error";
  }
  if (object == "response" && terminal_status(status)) {
    x.finish_reason =
        (status == "incomplete" && !incomplete_reason.empty()) ? incomplete_reason : status;
  }
}

void walk_bytes(const std::string& bytes, exchange& x) {
  with_root_object(bytes, [&](od::object& root) { walk(root, x, false); });
}

}  // namespace

request_keys parse_request(exchange& x, std::string_view content_type) {
  request_keys keys;
  const std::string& body = x.request_body.bytes;
  if (body.empty()) return keys;
  if (std::string_view b = multipart_boundary(content_type, body); !b.empty()) {
    std::string_view model = trim(find_form_field(body, b, "model"));
    if (!model.empty() && model.size() <= kMaxModel) x.model_requested.assign(model);
    x.stream_requested = iequals(trim(find_form_field(body, b, "stream")), "true");
    return keys;
  }
  bool walked_all = false;
  const bool as_sent = with_root_object(body, [&](od::object& root) {
    for (auto f : root) {
      od::field field;
      std::string_view k;
      if (std::move(f).get(field) || field.unescaped_key().get(k)) return;
      od::value& v = field.value();
      bool flag = false;
      if (k == "model") {
        std::string_view m;
        if (read_view(v, m) && m.size() <= kMaxModel) x.model_requested.assign(m);
      } else if (k == "stream") {
        x.stream_requested = is_type(v, od::json_type::boolean) && !v.get_bool().get(flag) && flag;
      } else if (k == "stream_options") {
        keys.stream_options = true;
        for_each_field(v, [&](std::string_view ok, od::value& ov) {
          if (ok == "include_usage") {
            x.include_usage_requested =
                is_type(ov, od::json_type::boolean) && !ov.get_bool().get(flag) && flag;
          }
        });
      }
    }
    walked_all = true;
  });
  keys.walked = walked_all && as_sent;
  return keys;
}

void parse_response(exchange& x) {
  if (!x.stream) {
    walk_bytes(x.response_body.bytes, x);
    return;
  }
  if (x.event_count == 0) return;
  auto one = [&](std::string_view data, size_t readable) {
    if (data.empty() || data.starts_with("[DONE]")) return;
    with_root_object(data, readable, [&](od::object& root) { walk(root, x, false); });
  };
  one(x.events[0], x.events[0].capacity());
  // Oldest kept tail event first, so the newest facts win.
  for (size_t i = kTailEvents + 1; i-- > 0;) {
    const auto e = x.recent_event(i);
    if (e && !e->first) one(e->bytes, e->readable);
  }
}

}  // namespace llmtap::openai
