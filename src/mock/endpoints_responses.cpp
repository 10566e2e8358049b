// POST /v1/responses: the Responses API object, and its typed event stream in which every event
// carries a strictly increasing sequence_number starting at 0.
#include "mock/content.h"
#include "mock/endpoints.h"
#include "mock/sse.h"

namespace llmtap::mock {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace detail;

namespace {

ordered_json response_usage(uint64_t input, uint64_t output) {
  return ordered_json{{"input_tokens", input},
                      {"input_tokens_details", {{"cached_tokens", 0}}},
                      {"output_tokens", output},
                      {"output_tokens_details", {{"reasoning_tokens", 0}}},
                      {"total_tokens", input + output}};
}

ordered_json text_part(const std::string& text) {
  return ordered_json{{"type", "output_text"},
                      {"text", text},
                      {"annotations", ordered_json::array()},
                      {"logprobs", ordered_json::array()}};
}

ordered_json message_item(const std::string& id, const char* status, ordered_json content) {
  return ordered_json{{"id", id},
                      {"type", "message"},
                      {"status", status},
                      {"content", std::move(content)},
                      {"role", "assistant"}};
}

}  // namespace

reply responses(const call_context& ctx) {
  const json& b = ctx.body;
  uint64_t input = 0;
  std::string seed_text = ctx.model;
  auto add_text = [&](const std::string& t) {
    input += count_tokens(t);
    seed_text += '\n' + t;
  };
  if (auto ins = b.find("instructions"); ins != b.end() && ins->is_string())
    add_text(ins->get<std::string>());
  if (auto in = b.find("input"); in != b.end()) {
    if (in->is_string()) {
      add_text(in->get<std::string>());
    } else if (in->is_array()) {
      for (const auto& item : *in) {
        input += 3;  // per-message framing, as for chat
        if (item.is_object() && item.contains("content"))
          add_text(content_text(item["content"]));
        else if (item.is_object() && item.contains("output"))
          add_text(content_text(item["output"]));
      }
    }
  }
  uint64_t seed = fnv1a(seed_text);
  int64_t max_out = get_int(b, "max_output_tokens", 0);
  auto plan = plan_completion(seed, ctx.forced_tokens, max_out);
  uint64_t output = plan.tokens.size();
  std::string text = join(plan.tokens);
  std::string resp_id = "resp_" + random_hex(48);
  std::string msg_id = "msg_" + random_hex(48);
  reply r;
  r.tokens = input + output;

  // The response object in a given state; the same fields in every event, like the real API.
  auto response_obj = [&](const char* status, ordered_json output_items, ordered_json usage) {
    ordered_json o{{"id", resp_id},
                   {"object", "response"},
                   {"created_at", ctx.created},
                   {"status", status},
                   {"background", false},
                   {"error", nullptr},
                   {"incomplete_details", nullptr}};
    o["instructions"] = b.contains("instructions") ? json(b["instructions"]) : json(nullptr);
    o["max_output_tokens"] = max_out > 0 ? ordered_json(max_out) : ordered_json(nullptr);
    o["model"] = ctx.model;
    o["output"] = std::move(output_items);
    o["parallel_tool_calls"] = true;
    o["previous_response_id"] = nullptr;
    o["reasoning"] = {{"effort", nullptr}, {"summary", nullptr}};
    o["store"] = get_bool(b, "store", true);
    o["temperature"] = 1.0;
    o["text"] = {{"format", {{"type", "text"}}}};
    o["tool_choice"] = "auto";
    o["tools"] = ordered_json::array();
    o["top_p"] = 1.0;
    o["truncation"] = "disabled";
    o["usage"] = std::move(usage);
    o["user"] = nullptr;
    o["metadata"] = ordered_json::object();
    return o;
  };
  const char* final_status = plan.truncated ? "incomplete" : "completed";
  auto finished = [&](ordered_json o) {
    if (plan.truncated) o["incomplete_details"] = {{"reason", "max_output_tokens"}};
    if (!plan.truncated) o["completed_at"] = ctx.created;
    return o;
  };
  ordered_json done_item =
      message_item(msg_id, final_status, ordered_json::array({text_part(text)}));

  if (!get_bool(b, "stream", false)) {
    r.body = dump_json(finished(response_obj(final_status, ordered_json::array({done_item}),
                                             response_usage(input, output))));
    return r;
  }

  r.stream = true;
  auto& ev = r.events;
  int64_t seq = 0;
  auto emit = [&](const char* type, ordered_json j) {
    ordered_json e{{"type", type}, {"sequence_number", seq++}};
    for (auto& [k, v] : j.items()) e[k] = v;
    ev.push_back(sse_event(type, e));
  };
  auto in_progress = [&] { return response_obj("in_progress", ordered_json::array(), nullptr); };
  emit("response.created", {{"response", in_progress()}});
  emit("response.in_progress", {{"response", in_progress()}});
  emit("response.output_item.added",
       {{"output_index", 0}, {"item", message_item(msg_id, "in_progress", ordered_json::array())}});
  emit("response.content_part.added",
       {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0}, {"part", text_part("")}});
  std::size_t mid = plan.tokens.size() / 2;
  std::string so_far;
  for (std::size_t i = 0; i <= plan.tokens.size(); ++i) {
    if (i == mid) {
      if (ctx.malformed)
        ev.push_back("event: response.output_text.delta\n" +
                     sse_malformed("response.output_text.delta"));
      if (ctx.stream_error) {
        const char* msg = "The server had an error while processing your request.";
        emit("error", {{"code", "server_error"}, {"message", msg}, {"param", nullptr}});
        ordered_json failed = response_obj(
            "failed",
            ordered_json::array(
                {message_item(msg_id, "incomplete", ordered_json::array({text_part(so_far)}))}),
            response_usage(input, i));
        failed["error"] = {{"code", "server_error"}, {"message", msg}};
        emit("response.failed", {{"response", std::move(failed)}});
        return r;
      }
    }
    if (i == plan.tokens.size()) break;
    so_far += plan.tokens[i];
    emit("response.output_text.delta", {{"item_id", msg_id},
                                        {"output_index", 0},
                                        {"content_index", 0},
                                        {"delta", plan.tokens[i]},
                                        {"logprobs", ordered_json::array()}});
  }
  emit("response.output_text.done", {{"item_id", msg_id},
                                     {"output_index", 0},
                                     {"content_index", 0},
                                     {"text", text},
                                     {"logprobs", ordered_json::array()}});
  emit("response.content_part.done",
       {{"item_id", msg_id}, {"output_index", 0}, {"content_index", 0}, {"part", text_part(text)}});
  emit("response.output_item.done", {{"output_index", 0}, {"item", done_item}});
  emit(plan.truncated ? "response.incomplete" : "response.completed",
       {{"response", finished(response_obj(final_status, ordered_json::array({done_item}),
                                           response_usage(input, output)))}});
  return r;
}

}  // namespace llmtap::mock
