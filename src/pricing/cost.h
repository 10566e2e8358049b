#pragma once
// What a call cost, in integer nano-USD, from a price table and the call's usage.
//
//   (input - cached - cache_write - audio_in) x input
//     + cached x cached_input + cache_write x cache_write + audio_in x input_audio
//     + (output - reasoning - audio_out) x output + reasoning x reasoning + audio_out x
//     output_audio
//
// Cached, cache-write and audio input tokens are parts of input tokens; reasoning and audio output
// tokens are parts of output tokens: each token is billed once. A part without a price of its own
// is billed at its parent's price. Prices are integer pico-USD per token and the sum is rounded
// half-up to nano-USD once, at the end: no floating point anywhere.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/exchange.h"
#include "pricing/price_table.h"

namespace llmtap::pricing {

// The token counts pricing needs; -1 = unknown. A superset of llmtap::usage (cache writes:
// OpenAI does not report them today, but its price data has them).
struct token_usage {
  int64_t input = -1;         // all input tokens
  int64_t cached_input = -1;  // part of input
  int64_t cache_write = -1;   // part of input
  int64_t input_audio = -1;   // part of input
  int64_t output = -1;        // all output tokens
  int64_t reasoning = -1;     // part of output
  int64_t output_audio = -1;  // part of output
};
token_usage from_usage(const llmtap::usage& u);

struct cost_options {
  bool batch = false;     // Batch API: the table's batch_percent of standard prices
  int64_t at_unix_s = 0;  // when the call happened, to pick dated prices; 0 = now
};

struct cost_result {
  bool priced = false;
  int64_t nano_usd = -1;    // -1 when not priced; never 0 for "unknown"
  std::string priced_as;    // the table entry used ("gpt-4o"); empty for an unknown model
  std::string_view reason;  // why not priced (static text); empty when priced
};

cost_result cost_of(const price_table& t, std::string_view model, const token_usage& u,
                    const cost_options& o);
// The same for a table entry already resolved (price_table::resolve, not npos).
cost_result cost_of_entry(const price_table& t, size_t entry, const token_usage& u,
                          const cost_options& o);
cost_result cost_of(const price_table& t, std::string_view model, const llmtap::usage& u,
                    bool batch = false);

// Prices one record: the served model, else the requested one, else the Azure deployment; a
// name the table does not know is tried through the deployment map (names and the record's
// deployment). Sets x.cost_nano_usd (-1 when unpriced) and returns the details.
cost_result price_exchange(const price_table& t, exchange& x);

}  // namespace llmtap::pricing
