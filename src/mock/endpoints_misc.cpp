// /v1/embeddings and /v1/models.
#include <cmath>

#include "mock/content.h"
#include "mock/endpoints.h"
#include "mock/errors.h"
#include "mock/sse.h"

namespace llmtap::mock {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace detail;

reply embeddings(const call_context& ctx) {
  const json& b = ctx.body;
  auto in = b.find("input");
  if (in == b.end() || in->is_null())
    return error_reply(400, "Missing required parameter: 'input'.", "invalid_request_error",
                       "missing_required_parameter", "input");
  // One embedding per input: a string, token ids, or an array of either.
  std::vector<std::string> texts;
  uint64_t prompt = 0;
  auto add = [&](const json& x) {
    if (x.is_string()) {
      prompt += count_tokens(x.get_ref<const std::string&>());
      texts.push_back(x.get<std::string>());
    } else {
      prompt += x.is_array() ? x.size() : 1;
      texts.push_back(x.dump());
    }
  };
  bool ids_only = in->is_array() && !in->empty() && (*in)[0].is_number();
  if (in->is_array() && !ids_only) {
    for (const auto& x : *in) add(x);
  } else {
    add(*in);
  }
  if (texts.empty() || texts.size() > 2048)
    return error_reply(400, "'input' must contain between 1 and 2048 items.",
                       "invalid_request_error", "", "input");
  int64_t dims = get_int(b, "dimensions", ctx.embedding_dimensions);
  if (dims < 1 || dims > 4096)
    return error_reply(400, "'dimensions' must be between 1 and 4096.", "invalid_request_error", "",
                       "dimensions");
  bool b64 = b.value("encoding_format", "float") == "base64";
  ordered_json data = ordered_json::array();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto v = embedding_vector(texts[i], static_cast<unsigned>(dims));
    ordered_json e{{"object", "embedding"}, {"index", i}};
    if (b64) {
      e["embedding"] = base64_floats(v);
    } else {
      ordered_json arr = ordered_json::array();
      // Rounded again as double: a float widened to double would print 17 noisy digits.
      for (float f : v) arr.push_back(std::round(static_cast<double>(f) * 1e8) / 1e8);
      e["embedding"] = std::move(arr);
    }
    data.push_back(std::move(e));
  }
  ordered_json j{{"object", "list"},
                 {"data", std::move(data)},
                 {"model", ctx.model},
                 {"usage", {{"prompt_tokens", prompt}, {"total_tokens", prompt}}}};
  reply r;
  r.tokens = prompt;
  r.body = dump_json(j);
  return r;
}

reply list_models(int64_t) {
  ordered_json data = ordered_json::array();
  for (const auto& m : known_models())
    data.push_back(
        {{"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by}});
  reply r;
  r.body = dump_json(ordered_json{{"object", "list"}, {"data", std::move(data)}});
  return r;
}

reply get_model(std::string_view id) {
  for (const auto& m : known_models()) {
    if (id == m.id) {
      reply r;
      r.body = dump_json(ordered_json{
          {"id", m.id}, {"object", "model"}, {"created", m.created}, {"owned_by", m.owned_by}});
      return r;
    }
  }
  return error_reply(404, "The model '" + std::string(id) + "' does not exist",
                     "invalid_request_error", "model_not_found", "model");
}

}  // namespace llmtap::mock
