#include "core/trace_headers.h"

#include <charconv>
#include <string>

#include "core/header_name.h"

namespace llmtap {
namespace {

// Exactly `n` lower-case hex digits (W3C forbids upper case).
bool hex_field(std::string_view s, size_t n, uint64_t& out) {
  if (s.size() != n) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  out = v;
  return true;
}

bool decimal(std::string_view s, uint64_t& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

}  // namespace

bool trace_header_reader::observe(std::string_view name, std::string_view value) {
  if (name_is(name, "traceparent")) {
    // version-traceid-parentid-flags; version ff is invalid, future versions may append fields.
    if (value.size() < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-') return true;
    uint64_t version = 0, hi = 0, lo = 0, parent = 0, flags = 0;
    if (!hex_field(value.substr(0, 2), 2, version) || version == 0xff) return true;
    if (version == 0 && value.size() != 55) return true;
    if (!hex_field(value.substr(3, 16), 16, hi) || !hex_field(value.substr(19, 16), 16, lo) ||
        !hex_field(value.substr(36, 16), 16, parent) || !hex_field(value.substr(53, 2), 2, flags))
      return true;
    if ((hi == 0 && lo == 0) || parent == 0) return true;
    w3c_ = {};
    w3c_.trace_id_hi = hi;
    w3c_.trace_id_lo = lo;
    w3c_.parent_span_id = parent;
    w3c_.sampling_priority = (flags & 1) ? 1 : 0;
    w3c_.from_client = true;
    w3c_ok_ = true;
    return true;
  }
  if (name_is(name, "x-datadog-trace-id")) {
    if (!decimal(value, dd_trace_)) dd_trace_ = 0;
    return true;
  }
  if (name_is(name, "x-datadog-parent-id")) {
    if (!decimal(value, dd_parent_)) dd_parent_ = 0;
    return true;
  }
  if (name_is(name, "x-datadog-sampling-priority")) {
    int v = 1;
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc() && p == value.data() + value.size() && v >= -1 && v <= 2)
      dd_priority_ = static_cast<int8_t>(v);
    return true;
  }
  if (name_is(name, "x-datadog-tags")) {
    // Comma-separated key=value pairs; only the high 64 bits of the trace id matter here.
    size_t at = value.find("_dd.p.tid=");
    if (at != std::string_view::npos && (at == 0 || value[at - 1] == ',')) {
      std::string_view v = value.substr(at + 10, 16);
      if (!hex_field(v, 16, dd_tid_hi_)) dd_tid_hi_ = 0;
    }
    return true;
  }
  return false;
}

trace_context trace_header_reader::result() const {
  if (w3c_ok_) return w3c_;
  trace_context t;
  if (dd_trace_ == 0) return t;
  t.trace_id_hi = dd_tid_hi_;
  t.trace_id_lo = dd_trace_;
  t.parent_span_id = dd_parent_;
  t.sampling_priority = dd_priority_;
  t.from_client = true;
  return t;
}

std::string trace_id_hex(const trace_context& t, bool short_if_64) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  auto put = [&](uint64_t v) {
    for (int shift = 60; shift >= 0; shift -= 4) out.push_back(digits[(v >> shift) & 0xf]);
  };
  if (!(short_if_64 && t.trace_id_hi == 0)) put(t.trace_id_hi);
  put(t.trace_id_lo);
  return out;
}

}  // namespace llmtap
