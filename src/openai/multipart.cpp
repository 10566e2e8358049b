#include "openai/multipart.h"

#include <string>

#include "openai/headers.h"

namespace llmtap::openai {

namespace {
// RFC 2046 caps boundaries at 70 characters; longer ones are not worth trusting.
constexpr size_t kMaxBoundary = 200;

std::string_view strip_quotes(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  return v;
}

// Whether a part's header block says `form-data; name="<name>"` (not filename=).
bool part_named(std::string_view headers, std::string_view name) {
  while (!headers.empty()) {
    size_t eol = headers.find('\n');
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view{} : headers.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    constexpr std::string_view cd = "content-disposition:";
    if (!istarts_with(line, cd)) continue;
    std::string_view params = line.substr(cd.size());
    while (!params.empty()) {
      size_t semi = params.find(';');
      std::string_view p = trim(params.substr(0, semi));
      params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
      if (istarts_with(p, "name=") && strip_quotes(p.substr(5)) == name) return true;
    }
  }
  return false;
}
}  // namespace

std::string_view multipart_boundary(std::string_view content_type, std::string_view body) {
  std::string_view b;
  if (!content_type.empty()) {
    if (!istarts_with(trim(content_type), "multipart/")) return {};
    std::string_view params = content_type;
    while (!params.empty()) {
      size_t semi = params.find(';');
      std::string_view p = trim(params.substr(0, semi));
      params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
      if (istarts_with(p, "boundary=")) b = strip_quotes(p.substr(9));
    }
  } else if (body.starts_with("--")) {
    size_t eol = body.find('\n');
    if (eol == std::string_view::npos) return {};
    b = body.substr(2, eol - 2);
    if (!b.empty() && b.back() == '\r') b.remove_suffix(1);
    b = trim(b);
  }
  if (b.empty() || b.size() > kMaxBoundary) return {};
  return b;
}

std::string_view find_form_field(std::string_view body, std::string_view boundary,
                                 std::string_view name) {
  if (boundary.empty() || boundary.size() > kMaxBoundary) return {};
  char buf[kMaxBoundary + 2] = {'-', '-'};
  boundary.copy(buf + 2, boundary.size());
  const std::string_view delim(buf, boundary.size() + 2);
  size_t pos = body.find(delim);
  while (pos != std::string_view::npos) {
    pos += delim.size();
    if (body.substr(pos, 2) == "--") return {};  // closing delimiter
    size_t hdr_start = body.find('\n', pos);
    if (hdr_start == std::string_view::npos) return {};
    ++hdr_start;
    size_t hdr_end = body.find("\r\n\r\n", hdr_start);
    size_t skip = 4;
    if (size_t lf = body.find("\n\n", hdr_start); lf < hdr_end) hdr_end = lf, skip = 2;
    if (hdr_end == std::string_view::npos) return {};
    const size_t value_start = hdr_end + skip;
    const size_t next = body.find(delim, value_start);
    if (part_named(body.substr(hdr_start, hdr_end - hdr_start), name)) {
      if (next == std::string_view::npos) return {};  // cut off: the value may be incomplete
      std::string_view v = body.substr(value_start, next - value_start);
      if (v.ends_with("\r\n"))
        v.remove_suffix(2);
      else if (v.ends_with("\n"))
        v.remove_suffix(1);
      return v;
    }
    pos = next;
  }
  return {};
}

}  // namespace llmtap::openai
