#include "sinks/dogstatsd/metric_encoder.h"

#include <fmt/format.h>

#include <type_traits>

#include "sinks/dogstatsd/datadog_facts.h"

namespace llmtap::sinks {
namespace {

// '|' separates a line's fields, ',' its tags, '\n' lines: none may appear inside a value.
// Appended whole, then mended in place (a character at a time cost ~10 instructions each).
void append_value(std::string& out, std::string_view v) {
  const size_t from = out.size();
  out.append(v);
  for (size_t i = from; i < out.size(); ++i) {
    char& c = out[i];
    if (c == '|' || c == ',' || c == '\n' || c == '\r') c = '_';
  }
}

void tag(std::string& out, std::string_view key, std::string_view value) {
  if (!out.empty()) out += ',';
  out.append(key);
  out += ':';
  append_value(out, value);
}

void append_int(std::string& out, int64_t v) {
  fmt::format_int f(v);
  out.append(f.data(), f.size());
}

}  // namespace

void append_usd(std::string& out, int64_t nano_usd) {
  if (nano_usd < 0) {
    out += '-';
    nano_usd = -nano_usd;
  }
  append_int(out, nano_usd / 1'000'000'000);
  int64_t frac = nano_usd % 1'000'000'000;
  if (frac == 0) return;
  char digits[9];
  for (int i = 8; i >= 0; --i, frac /= 10) digits[i] = static_cast<char>('0' + frac % 10);
  int n = 9;
  while (digits[n - 1] == '0') --n;
  out += '.';
  out.append(digits, static_cast<size_t>(n));
}

// Calls emit(name, value, type, extra_tag) for each of the call's metrics, with tags_ built.
template <class Emit>
size_t metric_encoder::each_metric(const exchange& x, Emit&& emit_value) {
  using namespace datadog;
  size_t lines = 0;
  auto line = [&](std::string_view name, auto value, char type, const char* extra_tag) {
    if constexpr (std::is_integral_v<decltype(value)>) {
      fmt::format_int f(value);
      emit_value(name, std::string_view(f.data(), f.size()), type, extra_tag);
    } else {
      emit_value(name, std::string_view(value), type, extra_tag);
    }
    ++lines;
  };
  tags_changed_ = update_tags(x);
  const char* err_type = error_type_of(x);
  bool failed = *err_type != '\0';

  // Rate-limit gauges, from any response that carried the headers (the Python tracer reads them
  // from successful responses only; a 429's headers are the most useful ones).
  const rate_limits& rl = x.limits;
  if (rl.limit_requests >= 0) line("openai.ratelimit.requests", rl.limit_requests, 'g', nullptr);
  if (rl.limit_tokens >= 0) line("openai.ratelimit.tokens", rl.limit_tokens, 'g', nullptr);
  if (rl.remaining_requests >= 0)
    line("openai.ratelimit.remaining.requests", rl.remaining_requests, 'g', nullptr);
  if (rl.remaining_tokens >= 0)
    line("openai.ratelimit.remaining.tokens", rl.remaining_tokens, 'g', nullptr);

  // Tokens: zero counts are skipped, as `record_usage` does (embeddings have no completion).
  if (x.usage.source != usage_source::none) {
    const char* est = estimated_tag(x);
    const usage& u = x.usage;
    if (u.input_tokens > 0) line("openai.tokens.prompt", u.input_tokens, 'd', est);
    if (u.output_tokens > 0) line("openai.tokens.completion", u.output_tokens, 'd', est);
    if (int64_t total = total_tokens(x); total > 0) line("openai.tokens.total", total, 'd', est);
    // llmtap's own: parts of prompt and completion, whenever the response reported them.
    if (u.cached_input_tokens >= 0) line("openai.tokens.cached", u.cached_input_tokens, 'd', est);
    if (u.reasoning_tokens >= 0) line("openai.tokens.reasoning", u.reasoning_tokens, 'd', est);
  }

  if (failed) line("openai.request.error", 1, 'c', nullptr);
  line("openai.request.duration", duration_ns(x), 'd', nullptr);

  // llmtap's own: time to first token (streams) and cost (priced calls only, never a made-up 0).
  if (int64_t ttft = time_to_first_token_ns(x); ttft >= 0)
    line("openai.request.time_to_first_token", ttft, 'd', nullptr);
  if (x.cost_nano_usd >= 0) {
    scratch_.clear();
    append_usd(scratch_, x.cost_nano_usd);
    line("openai.request.cost", std::string_view(scratch_), 'd', nullptr);
  }
  return lines;
}

bool metric_encoder::update_tags(const exchange& x) {
  using namespace datadog;
  const char* err_type = error_type_of(x);
  const std::string_view values[kTagValues] = {x.version,
                                               x.env,
                                               x.service,
                                               model_of(x),
                                               endpoint_of(x),
                                               x.method,
                                               x.organization,
                                               x.organization_name,
                                               x.key_label,
                                               err_type,
                                               o_.high_cardinality_tags ? "high" : "low"};
  bool same = tags_built_;
  for (size_t i = 0; same && i < kTagValues; ++i) same = tag_values_[i] == values[i];
  if (same) return false;
  for (size_t i = 0; i < kTagValues; ++i) tag_values_[i].assign(values[i]);
  tags_built_ = true;
  // The tags of every metric, in the Python tracer's order (`_metrics_tags`); empty values are
  // sent as "key:", as it does.
  tags_.clear();
  tag(tags_, "version", x.version);
  tag(tags_, "env", x.env);
  tag(tags_, "service", x.service);
  tag(tags_, "openai.request.model", values[3]);
  tag(tags_, "model", values[3]);
  tag(tags_, "openai.request.endpoint", values[4]);
  tag(tags_, "openai.request.method", x.method);
  if (o_.high_cardinality_tags) {
    tag(tags_, "openai.organization.id", x.organization);
    tag(tags_, "openai.organization.name", x.organization_name);
    tag(tags_, "openai.user.api_key", x.key_label);
  }
  const bool failed = *err_type != '\0';
  tag(tags_, "error", failed ? "1" : "0");
  if (failed) tag(tags_, "error_type", err_type);
  return true;
}

size_t metric_encoder::append(const exchange& x, std::string& out) {
  return each_metric(
      x, [&](std::string_view name, std::string_view value, char type, const char* extra_tag) {
        out.append(name);
        out += ':';
        out.append(value);
        out += '|';
        out += type;
        out += "|#";
        out.append(tags_);
        if (extra_tag != nullptr) (out += ',') += extra_tag;
        out += '\n';
      });
}

size_t metric_encoder::collect(const exchange& x, line_aggregator& agg) {
  bool looked_up = false;
  return each_metric(
      x, [&](std::string_view name, std::string_view value, char type, const char* extra_tag) {
        if (!looked_up) {  // tags_ is complete by the first line
          looked_up = true;
          if (tags_changed_ || group_round_ != agg.round()) {
            group_ = agg.group(tags_);
            group_round_ = agg.round();
          }
        }
        agg.add(group_, name, type, extra_tag, value);
      });
}

}  // namespace llmtap::sinks
