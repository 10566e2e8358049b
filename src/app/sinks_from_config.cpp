#include "app/sinks_from_config.h"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "sinks/sample_log/sample_log.h"

namespace llmtap {
namespace {

std::string hostname() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Sampled prompt/completion logs: to a file or stdout (samples.output), and to Datadog's log
// intake when DD_API_KEY is set. DD_API_KEY is read from the environment only, never from a file.
void add_sample_log(const config& c, std::vector<std::unique_ptr<sinks::sink>>& out) {
  const char* key = std::getenv("DD_API_KEY");
  sinks::sample_log_options o;
  o.output = c.samples.output;
  o.api_key = key != nullptr ? key : "";
  if (c.samples.rate <= 0 || (o.output.empty() && o.api_key.empty())) return;
  o.intake_url = c.samples.logs_url.empty() ? "https://http-intake.logs." + c.datadog.site + "/api/v2/logs"
                                            : c.samples.logs_url;
  o.hostname = hostname();
  try {
    out.push_back(std::make_unique<sinks::sample_log_sink>(std::move(o)));
  } catch (const std::runtime_error& e) {
    throw config_error(e.what());
  }
}

}  // namespace

std::vector<std::unique_ptr<sinks::sink>> sinks_from_config(const config& c) {
  std::vector<std::unique_ptr<sinks::sink>> out;
  add_sample_log(c, out);
  return out;
}

}  // namespace llmtap
