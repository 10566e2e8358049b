#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace llmtap::openai::test {

inline std::string fixture(const std::string& name) {
  std::ifstream in(std::string(LLMTAP_OPENAI_FIXTURES) + "/" + name, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace llmtap::openai::test
