#pragma once
// Reading the price table and the user's override file (cold path; errors are reported, never
// thrown). File format: src/pricing/README.md.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "pricing/price_table.h"

namespace llmtap::pricing {

struct load_options {
  std::filesystem::path table;          // empty: default_table_path()
  std::filesystem::path override_file;  // empty: none
  // Azure deployment name -> model, from the config. The override file's "deployments" are
  // merged over these.
  std::map<std::string, std::string> deployments;
};

struct load_result {
  std::shared_ptr<const price_table> value;
  std::string error;  // names the file, and the line when known
  bool ok() const { return value != nullptr; }
};

// Where the generated table is read from, first that applies:
//   1. $LLMTAP_PRICING_FILE
//   2. <dir of the running binary>/../share/llmtap/prices.json, if it exists
//   3. the source tree's third_party/pricing/prices.json (written by scripts/setup.sh)
std::filesystem::path default_table_path();

load_result load_table(const load_options& options);

// The same from text already in memory; `name` is used in error messages (tests, embedding).
load_result load_table_text(std::string_view table_text, std::string_view table_name,
                            std::string_view override_text = {},
                            std::string_view override_name = {},
                            const std::map<std::string, std::string>& deployments = {});

}  // namespace llmtap::pricing
