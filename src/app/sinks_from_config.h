#pragma once
// Builds the configured exporters. Each sink that has a target in the config (or the vendor's
// environment variables) is made here; the rest are not built at all, so an unconfigured sink
// costs nothing. Throws config_error when a configured sink cannot be set up.
#include <memory>
#include <vector>

#include "config/config.h"
#include "sinks/sink.h"

namespace llmtap {

std::vector<std::unique_ptr<sinks::sink>> sinks_from_config(const config& c);

}  // namespace llmtap
