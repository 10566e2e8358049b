#pragma once
// The process's current price table, reloadable at runtime without a rebuild or restart.
//
// Readers (the pipeline thread, `llmtap tokens`) take snapshot() once per batch or call and price
// against it; reload() builds a new table off to the side and swaps the pointer. A snapshot a
// reader holds stays valid, unchanged, until the reader drops it. A failed reload keeps the
// current table.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "pricing/cost.h"
#include "pricing/load.h"
#include "pricing/normalize.h"
#include "pricing/price_table.h"

namespace llmtap::pricing {

class pricing;

struct pricing_result {
  std::unique_ptr<pricing> value;
  std::string error;
  bool ok() const { return value != nullptr; }
};

class pricing {
 public:
  // Reads the table (and the override file, if any) now; fails if either is missing or invalid.
  static pricing_result load(load_options options);

  std::shared_ptr<const price_table> snapshot() const;

  // The table that was in force at `mono_ns` (a call's accepted stamp): a call that arrived before
  // the last reload is priced with the table it arrived under, even when the pipeline gets to it
  // after the swap. One table of history is kept; a call from before two reloads gets the older.
  std::shared_ptr<const price_table> snapshot_at(int64_t mono_ns) const;

  // The same choice for many calls with one lock: the pipeline takes this once per batch. Every
  // call in a batch arrived before the batch was taken, so a reload after that came in force
  // after all of them, and what `in_force` says for them stays right.
  struct in_force {
    std::shared_ptr<const price_table> previous, current;
    int64_t current_since_ns = 0;
    const price_table* at(int64_t mono_ns) const {
      return mono_ns < current_since_ns && previous ? previous.get() : current.get();
    }
  };
  in_force tables() const;

  // Re-reads the same files. On success the new table replaces the current one and true is
  // returned; on failure the current table stays and *error (if given) says why.
  bool reload(std::string* error = nullptr);

  const load_options& options() const { return options_; }

 private:
  pricing(load_options options, std::shared_ptr<const price_table> table);

  const load_options options_;
  mutable std::mutex mu_;  // guards current_ only; held for a pointer copy, never for I/O
  std::shared_ptr<const price_table> current_;
  std::shared_ptr<const price_table> previous_;  // null until the first reload
  int64_t current_since_ns_ = 0;                 // mono_ns() when current_ took over
  std::mutex reload_mu_;                         // one reload at a time
};

}  // namespace llmtap::pricing
