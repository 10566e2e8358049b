#include "sinks/sample_log/sample_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/debug_log.h"
#include "core/trace_headers.h"
#include "openai/endpoint.h"

namespace llmtap::sinks {
namespace {

using json = nlohmann::json;

json parsed_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return json::parse(s, nullptr, false);
}

// Appends `s` as a JSON string. Plain printable ASCII (service, host and model names, ids) is
// copied as it is; anything else goes through nlohmann, which escapes it and replaces invalid
// UTF-8 with U+FFFD.
void append_json_string(std::string& out, std::string_view s) {
  bool plain = true;
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out.push_back('"');
    out.append(s);
    out.push_back('"');
    return;
  }
  out.append(json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string model_of(const exchange& x) {
  return x.model_requested.empty() ? x.model_served : x.model_requested;
}

// Datadog's intake takes at most 1000 records and 5 MB per request.
constexpr size_t kMaxRecordsPerPost = 1000;
constexpr size_t kMaxBytesPerPost = 4 * 1024 * 1024;

}  // namespace

std::string sample_record(const exchange& x, const std::string& hostname) {
  const char* endpoint = openai::canonical_path(x.ep);
  const bool failed = x.status >= 400 || x.result != outcome::ok;
  // Field names per endpoint, as the Python integration logs them. The sample texts are JSON
  // already (the sampler wrote them): where they are logged as they are, they are spliced into
  // the record rather than parsed and written again (that cost ~200,000 instructions a record).
  // Where the integration logs one element of them (the prompt, the transcribed text), that
  // element is taken out with nlohmann; these endpoints are rare.
  std::pair<const char*, const std::string*> spliced[2] = {};
  const char* picked_key = nullptr;
  json picked;
  switch (x.ep) {
    case endpoint::chat_completions:
      spliced[0] = {"messages", &x.sample_input};
      spliced[1] = {"completion", &x.sample_output};
      break;
    case endpoint::completions:
    case endpoint::images_generations:
    case endpoint::images_edits: {
      json in = parsed_or_null(x.sample_input);
      picked_key = "prompt";
      picked = in.is_array() && in.size() == 1 ? in[0] : in;
      spliced[0] = {"choices", &x.sample_output};
      break;
    }
    case endpoint::audio_transcriptions:
    case endpoint::audio_translations: {
      json out = parsed_or_null(x.sample_output);
      picked_key = "text";
      picked = out.is_array() && out.size() == 1 ? out[0] : out;
      break;
    }
    case endpoint::embeddings:
    case endpoint::moderations:
      spliced[0] = {"input", &x.sample_input};
      break;
    default:  // the Responses API and others: the request input and the output items
      spliced[0] = {"input", &x.sample_input};
      spliced[1] = {"output", &x.sample_output};
      break;
  }
  // Written field by field: building an nlohmann object of eleven strings and dumping it cost
  // ~35,000 instructions a record (callgrind), more than the rest of the sink.
  std::string r;
  r.reserve(512 + x.sample_input.size() + x.sample_output.size());
  auto field = [&r](std::string_view key, std::string_view value) {
    r.append(",\"").append(key).append("\":");
    append_json_string(r, value);
  };
  r.append("{\"timestamp\":");  // epoch ms, as dd-trace-py sends it
  fmt::format_to(std::back_inserter(r), "{}", static_cast<double>(x.wall_start_unix_ns) / 1e6);
  field("message", fmt::format("sampled {}", openai::operation_id(x.ep)));
  field("hostname", hostname);
  field("ddsource", "openai");
  field("service", x.service);
  field("status", failed ? "error" : "info");
  field("ddtags",
        fmt::format("env:{},version:{},openai.request.endpoint:{},openai.request.method:{},"
                    "openai.request.model:{},openai.organization.name:{},openai.user.api_key:{}",
                    x.env, x.version, *endpoint ? endpoint : x.path.c_str(), x.method, model_of(x),
                    x.organization_name, x.key_label));
  field("dd.trace_id", trace_id_hex(x.trace));
  field("dd.span_id", std::to_string(x.trace.span_id));
  if (failed && !x.error_type.empty()) field("error.type", x.error_type);
  if (picked_key != nullptr)
    r.append(",\"")
        .append(picked_key)
        .append("\":")
        .append(picked.dump(-1, ' ', false, json::error_handler_t::replace));
  for (const auto& [key, text] : spliced) {
    if (key == nullptr) continue;
    r.append(",\"").append(key).append("\":");
    if (text->empty())
      r.append("null");
    else
      r.append(*text);
  }
  r.push_back('}');
  return r;
}

sample_log_sink::sample_log_sink(sample_log_options o)
    : queued_sink(o.queue_capacity, o.flush_every, kMaxRecordsPerPost), o_(std::move(o)) {
  if (o_.output == "-") {
    file_ = stdout;
  } else if (!o_.output.empty()) {
    int fd = ::open(o_.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0 || (file_ = ::fdopen(fd, "a")) == nullptr) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error(
          fmt::format("samples.output {}: {}", o_.output, std::strerror(errno)));
    }
    owns_file_ = true;
  }
}

sample_log_sink::~sample_log_sink() {
  stop(std::chrono::seconds(2));
  if (owns_file_) std::fclose(file_);
}

std::string sample_log_sink::target() const {
  std::string t;
  if (file_ != nullptr) t = o_.output == "-" ? "stdout" : o_.output;
  if (!o_.api_key.empty()) t += (t.empty() ? "" : " and ") + o_.intake_url;
  return t;
}

bool sample_log_sink::offer(const item& x) {
  if (!x->sampled) return true;
  return queued_sink::offer(x);
}

void sample_log_sink::deliver(std::vector<item>& batch) {
  std::vector<std::string> records;
  records.reserve(batch.size());
  for (const auto& x : batch) records.push_back(sample_record(*x, o_.hostname));
  if (file_ != nullptr) {
    bool ok = true;
    for (const auto& r : records)
      ok = ok && std::fwrite(r.data(), 1, r.size(), file_) == r.size() &&
           std::fputc('\n', file_) != EOF;
    ok = ok && std::fflush(file_) == 0;
    if (!ok) {
      counters_.errors.fetch_add(1, std::memory_order_relaxed);
      debug_line(fmt::format("sample_log: writing {} records to {} failed: {}", records.size(),
                             target(), std::strerror(errno)));
    } else {
      debug_line(fmt::format("sample_log: wrote {} records to {}", records.size(),
                             o_.output == "-" ? "stdout" : o_.output));
    }
  }
  if (!o_.api_key.empty()) {
    const std::vector<std::string> headers = {"Content-Type: application/json",
                                              "DD-API-KEY: " + o_.api_key};
    size_t i = 0;
    while (i < records.size()) {
      std::string body = "[";
      size_t n = 0;
      for (; i < records.size() && (n == 0 || body.size() + records[i].size() < kMaxBytesPerPost);
           ++i, ++n) {
        if (n > 0) body += ',';
        body += records[i];
      }
      body += ']';
      int tries = 0;
      http_response r =
          post_with_retry(http_, o_.intake_url, headers, body, o_.retry, drain_deadline(), &tries);
      if (r.ok()) {
        counters_.sent.fetch_add(n, std::memory_order_relaxed);
        debug_line(fmt::format("sample_log: sent {} logs ({} bytes) to {} ({})", n, body.size(),
                               o_.intake_url, r.status));
      } else {
        counters_.errors.fetch_add(1, std::memory_order_relaxed);
        counters_.dropped.fetch_add(n, std::memory_order_relaxed);
        debug_line(
            fmt::format("sample_log: failed to send, dropping {} logs to {} after {} tries: {}", n,
                        o_.intake_url, tries, r.describe()));
      }
    }
  } else if (file_ != nullptr) {
    counters_.sent.fetch_add(records.size(), std::memory_order_relaxed);
  }
}

check_result sample_log_sink::check() {
  check_result c{true, {}};
  if (file_ != nullptr)
    c.detail = o_.output == "-" ? "writing to stdout" : "appending to " + o_.output;
  if (!o_.api_key.empty()) {
    // An empty batch is accepted by the intake when the key is valid, and refused (403) when not.
    http_client probe;
    http_response r =
        probe.post(o_.intake_url, {"Content-Type: application/json", "DD-API-KEY: " + o_.api_key},
                   "[]", std::chrono::seconds(5));
    std::string what =
        r.ok() ? fmt::format("log intake {} accepts the key (HTTP {})", o_.intake_url, r.status)
               : fmt::format("log intake {}: {}", o_.intake_url, r.describe());
    c.ok = r.ok();
    c.detail += (c.detail.empty() ? "" : "; ") + what;
  }
  return c;
}

}  // namespace llmtap::sinks
