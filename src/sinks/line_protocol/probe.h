#pragma once
// A blocking GET that also keeps the response headers, for the sink's live check (`llmtap
// info`): InfluxDB names its version only in the X-Influxdb-Version header of /ping.
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace llmtap::sinks::lp {

struct probe_result {
  long status = 0;
  std::string body;                            // the first 64 KiB
  std::string error;                           // transport error, empty when a response came
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// `headers`: full lines ("Authorization: Token ..."); never logged.
probe_result probe(const std::string& url, const std::vector<std::string>& headers,
                   std::chrono::milliseconds timeout);

}  // namespace llmtap::sinks::lp
