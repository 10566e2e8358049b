#pragma once
// Sampled prompt/completion logs in the record format of Datadog's OpenAI integration
// (dd-trace-py v2.21 `_log_writer.py`, reference/datadog-guance.md §3f): one JSON object per
// sampled call with message "sampled <operationId>", ddsource "openai", ddtags, dd.trace_id (hex),
// dd.span_id (decimal) and the endpoint's prompt and completion fields. Only calls the pipeline
// sampled are taken; their text is already redacted and truncated.
//
// Two outputs, either or both: JSON lines appended to a file or written to stdout, and the
// Datadog log intake (POST <intake>/api/v2/logs with the DD-API-KEY header) when an API key is
// given. The key is kept in memory only, never logged or printed.
#include <cstdio>
#include <memory>
#include <string>

#include "sinks/common/http_client.h"
#include "sinks/common/queued_sink.h"

namespace llmtap::sinks {

struct sample_log_options {
  std::string output;     // "-" = stdout, a path = JSON lines file, "" = none
  std::string intake_url; // full URL of the log intake; used only with an api_key
  std::string api_key;    // DD_API_KEY; empty = no intake
  std::string hostname;
  size_t queue_capacity = 4096;
  std::chrono::milliseconds flush_every{1000};  // dd-trace-py flushes every second
  retry_policy retry;
};

// One record for a sampled call, as a JSON object (no trailing newline). Pure: for tests.
std::string sample_record(const exchange& x, const std::string& hostname);

class sample_log_sink final : public queued_sink {
 public:
  // Opens the output file (append, mode 0600) now: throws std::runtime_error naming it on failure.
  explicit sample_log_sink(sample_log_options o);
  ~sample_log_sink() override;

  const char* name() const override { return "sample_log"; }
  std::string target() const override;
  bool offer(const item& x) override;  // unsampled calls are skipped, not counted
  check_result check() override;

 private:
  void deliver(std::vector<item>& batch) override;

  sample_log_options o_;
  FILE* file_ = nullptr;  // stdout or the opened file
  bool owns_file_ = false;
  http_client http_;
};

}  // namespace llmtap::sinks
