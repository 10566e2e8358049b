#pragma once
// The hand-off from proxy workers (producers) to the pipeline thread (consumer).
#include <memory>

#include "core/bounded_queue.h"
#include "core/exchange.h"

namespace llmtap {
using exchange_queue = bounded_queue<std::unique_ptr<exchange>>;
}  // namespace llmtap
