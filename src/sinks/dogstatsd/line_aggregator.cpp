#include "sinks/dogstatsd/line_aggregator.h"

#include <charconv>

#include <fmt/format.h>

namespace llmtap::sinks {
namespace {

bool parse_int(std::string_view v, int64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

void line_aggregator::add(std::string_view lines) {
  while (!lines.empty()) {
    size_t end = lines.find('\n');
    std::string_view one = lines.substr(0, end);
    lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
    if (!one.empty()) add_line(one);
  }
}

void line_aggregator::add_line(std::string_view line) {
  size_t colon = line.find(':');
  size_t bar = colon == std::string_view::npos ? colon : line.find('|', colon);
  // Sets cannot be packed (a set's value may itself contain ':'): they, and anything that is not
  // "name:value|type...", go out unchanged, one entry each.
  bool plain = bar == std::string_view::npos || bar + 1 >= line.size() || line[bar + 1] == 's';
  if (plain) {
    entry e;
    e.name.assign(line);
    e.lines = 1;
    order_.push_back(std::move(e));
    return;
  }
  std::string_view name = line.substr(0, colon), value = line.substr(colon + 1, bar - colon - 1);
  std::string_view rest = line.substr(bar);
  key_.assign(name);
  key_.append(rest);
  auto [it, inserted] = index_.try_emplace(key_, order_.size());
  if (inserted) {
    entry e;
    e.name.assign(name);
    e.rest.assign(rest);
    e.type = rest[1];
    order_.push_back(std::move(e));
  }
  entry& e = order_[it->second];
  ++e.lines;
  int64_t n = 0;
  if (e.type == 'c' && parse_int(value, n)) {
    e.summed = true;
    e.sum += n;
  } else if (e.type == 'g') {
    e.values.assign(value);  // a gauge reports its latest value
  } else {
    if (!e.values.empty()) e.values += ':';
    e.values.append(value);
  }
}

void line_aggregator::emit(const entry& e, std::string& out, size_t max_line) const {
  if (e.type == 0) {
    out.append(e.name).append("\n");
    return;
  }
  std::string values;
  if (e.summed) {
    fmt::format_int f(e.sum);
    values.assign(f.data(), f.size());
    if (!e.values.empty()) values.append(":").append(e.values);
  } else {
    values = e.values;
  }
  // Cut the values into lines that fit: name ':' chunk rest '\n'.
  size_t fixed = e.name.size() + 1 + e.rest.size();
  size_t room = max_line > fixed ? max_line - fixed : 0;
  std::string_view left(values);
  while (!left.empty()) {
    size_t take = left.size();
    if (take > room) {
      size_t cut = left.rfind(':', room);
      take = cut == std::string_view::npos || cut == 0 ? left.find(':') : cut;
      if (take == std::string_view::npos) take = left.size();  // one value longer than a line
    }
    out.append(e.name).append(":").append(left.substr(0, take)).append(e.rest).append("\n");
    left.remove_prefix(take);
    if (!left.empty()) left.remove_prefix(1);  // the ':' between two chunks
  }
}

size_t line_aggregator::take(std::string& out, size_t max_line) {
  size_t lines = 0;
  for (const entry& e : order_) {
    emit(e, out, max_line);
    lines += e.lines;
  }
  order_.clear();
  index_.clear();
  return lines;
}

}  // namespace llmtap::sinks
