#include "mock/sse.h"

namespace llmtap::mock {

std::string dump_json(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string sse_data(const nlohmann::ordered_json& j) {
  return "data: " + dump_json(j) + "\n\n";
}

std::string sse_event(std::string_view type, const nlohmann::ordered_json& j) {
  std::string s = "event: ";
  s += type;
  s += "\ndata: ";
  s += dump_json(j);
  s += "\n\n";
  return s;
}

std::string sse_done() {
  return "data: [DONE]\n\n";
}

std::string sse_malformed(std::string_view object_kind) {
  std::string s = R"(data: {"id":"broken","object":")";
  s += object_kind;
  s += R"(","choices":[{"index":0,"delta":{"content":"trunc)";
  s += "\n\n";
  return s;
}

}  // namespace llmtap::mock
