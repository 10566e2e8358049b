// The sampled-log record format (Datadog's OpenAI integration) and the file output.
#include "sinks/sample_log/sample_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace llmtap::sinks {
namespace {

using json = nlohmann::json;

exchange sampled_chat() {
  exchange x;
  x.ep = endpoint::chat_completions;
  x.method = "POST";
  x.path = "/chat/completions";  // a base URL without /v1: the tag still reads /v1/...
  x.wall_start_unix_ns = 1'700'000'000'123'000'000;
  x.service = "billing";
  x.env = "prod";
  x.version = "1.2";
  x.model_requested = "gpt-4o-mini";
  x.organization_name = "acme";
  x.key_label = "sk-...abcd";
  x.status = 200;
  x.trace.trace_id_hi = 0x640cfd8d00000000;
  x.trace.trace_id_lo = 0x1;
  x.trace.span_id = 1234567;
  x.sampled = true;
  x.sample_input = R"([{"role":"user","content":"hi"}])";
  x.sample_output =
      R"([{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}])";
  return x;
}

TEST(sample_log, record_has_datadogs_fields) {
  json r = json::parse(sample_record(sampled_chat(), "host-1"));
  EXPECT_EQ(r["message"], "sampled createChatCompletion");
  EXPECT_EQ(r["ddsource"], "openai");
  EXPECT_EQ(r["hostname"], "host-1");
  EXPECT_EQ(r["service"], "billing");
  EXPECT_EQ(r["status"], "info");
  EXPECT_EQ(r["ddtags"],
            "env:prod,version:1.2,openai.request.endpoint:/v1/chat/"
            "completions,openai.request.method:POST,"
            "openai.request.model:gpt-4o-mini,openai.organization.name:acme,openai.user.api_key:sk-"
            "...abcd");
  EXPECT_EQ(r["dd.trace_id"], "640cfd8d000000000000000000000001");
  EXPECT_EQ(r["dd.span_id"], "1234567");
  EXPECT_DOUBLE_EQ(r["timestamp"].get<double>(), 1'700'000'000'123.0);
  EXPECT_EQ(r["messages"][0]["content"], "hi");
  EXPECT_EQ(r["completion"][0]["message"]["content"], "hello");
}

// The sample texts are spliced into the record as they are: escapes survive, an empty side is
// null, and the record is still one JSON object with every field once.
TEST(sample_log, spliced_samples_keep_their_escapes_and_empty_sides_are_null) {
  exchange x = sampled_chat();
  x.sample_input = R"([{"role":"user","content":"say \"hi\" \u00e9 \ud83d\ude00 \\ end"}])";
  x.sample_output.clear();
  std::string text = sample_record(x, "h");
  json r = json::parse(text);
  EXPECT_EQ(r["messages"][0]["content"], "say \"hi\" \u00e9 \U0001F600 \\ end");
  EXPECT_TRUE(r["completion"].is_null());
  EXPECT_EQ(r.size(), 11u);  // the 9 fields of every record, messages and completion
  EXPECT_EQ(text.find("\"messages\""), text.rfind("\"messages\""));

  x.ep = endpoint::responses;
  x.sample_output = R"([{"type":"message","content":[{"type":"output_text","text":"ok"}]}])";
  r = json::parse(sample_record(x, "h"));
  EXPECT_EQ(r["output"][0]["content"][0]["text"], "ok");
  EXPECT_EQ(r["input"][0]["role"], "user");
}

TEST(sample_log, failed_call_is_an_error_record) {
  exchange x = sampled_chat();
  x.status = 429;
  x.error_type = "requests";
  json r = json::parse(sample_record(x, "h"));
  EXPECT_EQ(r["status"], "error");
  EXPECT_EQ(r["error.type"], "requests");
}

// Names come from configuration and request headers: quotes, backslashes, control bytes,
// non-ASCII text and invalid UTF-8 all leave as valid JSON (invalid bytes as U+FFFD).
TEST(sample_log, odd_names_are_escaped_and_invalid_utf8_is_replaced) {
  exchange x = sampled_chat();
  x.service = "bill\"ing\\team\n";
  x.env = "pr\xc3\xa9";           // "pré"
  x.model_requested = "gpt\xff";  // not UTF-8
  x.error_type = "tab\there";
  x.status = 500;
  const std::string text = sample_record(x, "h\x01st");
  json r = json::parse(text);  // throws on invalid JSON or invalid UTF-8
  EXPECT_EQ(r["service"], "bill\"ing\\team\n");
  EXPECT_EQ(r["hostname"], "h\x01st");
  EXPECT_EQ(r["error.type"], "tab\there");
  EXPECT_NE(r["ddtags"].get<std::string>().find("env:pr\xc3\xa9,"), std::string::npos);
  EXPECT_NE(r["ddtags"].get<std::string>().find("model:gpt\xef\xbf\xbd,"), std::string::npos);
  EXPECT_EQ(r.size(), 12u);  // the 9 fields, error.type, messages and completion
}

TEST(sample_log, completions_prompt_and_choices) {
  exchange x = sampled_chat();
  x.ep = endpoint::completions;
  x.sample_input = R"(["Say hi"])";
  x.sample_output = R"([{"index":0,"text":"hi","finish_reason":"stop"}])";
  json r = json::parse(sample_record(x, "h"));
  EXPECT_EQ(r["message"], "sampled createCompletion");
  EXPECT_EQ(r["prompt"], "Say hi");
  EXPECT_EQ(r["choices"][0]["text"], "hi");
}

TEST(sample_log, file_gets_one_line_per_sampled_call_only) {
  auto path = std::filesystem::temp_directory_path() /
              ("llmtap-samples-" + std::to_string(::getpid()) + ".jsonl");
  std::filesystem::remove(path);
  {
    sample_log_options o;
    o.output = path.string();
    o.hostname = "h";
    o.flush_every = std::chrono::milliseconds(10);
    sample_log_sink sink(o);
    sink.start();
    auto a = std::make_shared<exchange>(sampled_chat());
    auto b = std::make_shared<exchange>(sampled_chat());
    b->sampled = false;
    b->sample_input.clear();
    EXPECT_TRUE(sink.offer(a));
    EXPECT_TRUE(sink.offer(b));
    sink.stop(std::chrono::seconds(2));
    EXPECT_EQ(sink.counters().received.load(), 1u);
    EXPECT_EQ(sink.counters().sent.load(), 1u);
  }
  std::ifstream in(path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) {
    ++lines;
    EXPECT_EQ(json::parse(line)["message"], "sampled createChatCompletion");
  }
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  std::filesystem::remove(path);
}

TEST(sample_log, unwritable_output_names_the_file) {
  sample_log_options o;
  o.output = "/nonexistent-dir/samples.jsonl";
  try {
    sample_log_sink sink(o);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/samples.jsonl"), std::string::npos);
  }
}

}  // namespace
}  // namespace llmtap::sinks
