#include "sinks/dogstatsd/line_aggregator.h"

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace llmtap::sinks {
namespace {

bool parse_int(std::string_view v, int64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc() && p == v.data() + v.size();
}

}  // namespace

size_t line_aggregator::group(std::string_view tags) {
  auto it = by_tags_.find(tags);
  if (it != by_tags_.end()) return it->second;
  groups_.push_back({std::string(tags), {}});
  by_tags_.emplace(std::string(tags), groups_.size() - 1);
  return groups_.size() - 1;
}

void line_aggregator::add(size_t g, std::string_view name, char type, const char* extra_tag,
                          std::string_view value) {
  auto& group = groups_[g];
  auto& all = group.members;
  series* s = nullptr;
  // A call has about a dozen metrics: a short scan beats hashing. Calls add them in the same
  // order, so the scan starts after the series the previous add found: usually the first
  // comparison matches (from the start, ~6 name comparisons an add, ~1,400 instructions a call).
  const size_t count = all.size(), start = group.next < count ? group.next : 0;
  for (size_t k = 0; k < count; ++k) {
    const size_t i = start + k < count ? start + k : start + k - count;
    series& c = all[i];
    if (c.type == type && c.name == name &&
        (c.extra_tag == extra_tag || (c.extra_tag != nullptr && extra_tag != nullptr &&
                                      std::strcmp(c.extra_tag, extra_tag) == 0))) {
      s = &c;
      group.next = i + 1;
      break;
    }
  }
  if (s == nullptr) {
    s = &all.emplace_back(series{name, type, extra_tag});
    group.next = all.size();
  }
  ++s->count;
  int64_t n = 0;
  if (type == 'c' && parse_int(value, n)) {
    s->summed = true;
    s->sum += n;
  } else if (type == 'g') {
    s->values.assign(value);  // a gauge reports its latest value
  } else {
    if (!s->values.empty()) s->values += ':';
    s->values.append(value);
  }
}

void line_aggregator::emit(const group_of_series& g, const series& s, std::string& out,
                           size_t max_line) const {
  std::string values;
  if (s.summed) {
    fmt::format_int f(s.sum);
    values.assign(f.data(), f.size());
    if (!s.values.empty()) values.append(":").append(s.values);
  }
  std::string_view all = s.summed ? std::string_view(values) : std::string_view(s.values);
  // name ':' values '|' type "|#" tags [',' extra]
  size_t extra = s.extra_tag != nullptr ? 1 + std::string_view(s.extra_tag).size() : 0;
  size_t fixed = s.name.size() + 1 + 2 + 2 + g.tags.size() + extra;
  size_t room = max_line > fixed ? max_line - fixed : 0;
  while (!all.empty()) {
    size_t take = all.size();
    if (take > room) {  // cut between two values; a value longer than a line goes out alone
      size_t cut = all.rfind(':', room);
      take = cut == std::string_view::npos || cut == 0 ? all.find(':') : cut;
      if (take == std::string_view::npos) take = all.size();
    }
    out.append(s.name).append(":").append(all.substr(0, take));
    out.append("|").push_back(s.type);
    out.append("|#").append(g.tags);
    if (s.extra_tag != nullptr) out.append(",").append(s.extra_tag);
    out.push_back('\n');
    all.remove_prefix(take);
    if (!all.empty()) all.remove_prefix(1);  // the ':' between two chunks
  }
}

size_t line_aggregator::take(std::string& out, size_t max_line) {
  size_t values = 0;
  for (const auto& g : groups_)
    for (const auto& s : g.members) {
      emit(g, s, out, max_line);
      values += s.count;
    }
  groups_.clear();
  by_tags_.clear();
  ++round_;
  return values;
}

}  // namespace llmtap::sinks
