#include "proxy/http1_parser.h"

#include <algorithm>
#include <array>
#include <cstring>

#include "core/header_name.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace llmtap::proxy {

using http_error = boost::beast::http::error;

namespace {

// tchar (RFC 9110 §5.6.2): the bytes of a method, a header name, a chunk extension's name.
constexpr std::array<bool, 256> kToken = [] {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = t[c - 32] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_token(char c) {
  return kToken[static_cast<unsigned char>(c)];
}
// A request target's bytes: visible ASCII, and obs-text as Beast allowed it.
bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u != 0x7f;
}
bool is_ows(char c) {
  return c == ' ' || c == '\t';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The first byte in [p, end) that may not appear in a field value or reason phrase (a control
// byte other than HTAB, or DEL), or `end`. A line's CR is such a byte: this finds the end of a
// line and checks what comes before it in one pass, 16 bytes at a time.
const char* find_control(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i k1f = _mm_set1_epi8(0x1f), kdel = _mm_set1_epi8(0x7f), ktab = _mm_set1_epi8('\t');
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(v, k1f), v);  // v <= 0x1f, unsigned
    const __m128i bad =
        _mm_andnot_si128(_mm_cmpeq_epi8(v, ktab), _mm_or_si128(ctl, _mm_cmpeq_epi8(v, kdel)));
    if (const unsigned m = static_cast<unsigned>(_mm_movemask_epi8(bad)); m != 0)
      return p + __builtin_ctz(m);
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return p;
  }
  return end;
}

// The end of the token at p: the first byte that is not a tchar, or `end`. Header names of
// letters, digits and '-' (all the ones seen in practice) go 16 bytes at a time; from any other
// byte on, one at a time. (A byte at a time throughout was ~100 instructions a name.)
const char* skip_token(const char* p, const char* end) {
#if defined(__SSE2__)
  auto in_range = [](__m128i v, char lo, char hi) {  // lo <= v <= hi, unsigned
    const __m128i t = _mm_sub_epi8(v, _mm_set1_epi8(lo));
    return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(static_cast<char>(hi - lo))), t);
  };
  while (end - p >= 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i letter = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    const __m128i ok = _mm_or_si128(_mm_or_si128(letter, in_range(v, '0', '9')),
                                    _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    if (const unsigned m = ~static_cast<unsigned>(_mm_movemask_epi8(ok)) & 0xffffu; m != 0) {
      p += __builtin_ctz(m);
      break;
    }
    p += 16;
  }
#endif
  while (p < end && is_token(*p)) ++p;
  return p;
}

// Ends a line at `q` (from find_control): CRLF there, else `bad` (a byte the line may not hold).
// Returns the byte after the CRLF, or nullptr with ec set.
const char* end_line(const char* q, const char* end, http_error bad, error_code& ec) {
  if (end - q < 2) {
    ec = http_error::need_more;
    return nullptr;
  }
  if (q[0] != '\r') {
    ec = bad;
    return nullptr;
  }
  if (q[1] != '\n') {
    ec = http_error::bad_line_ending;
    return nullptr;
  }
  return q + 2;
}

// "HTTP/d.d" as 10 or 11 in `version`; false if it is not one of those.
bool parse_version(const char* p, int& version) {
  if (std::memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) || p[6] != '.' || !is_digit(p[7]))
    return false;
  version = (p[5] - '0') * 10 + (p[7] - '0');
  return version == 10 || version == 11;
}

// One field line at p (which is not the blank line), to its CRLF; p moves past it.
void parse_field_line(const char*& p, const char* end, header_field& f, error_code& ec) {
  const char* n0 = p;
  p = skip_token(p, end);
  if (p == end) {
    ec = http_error::need_more;
    return;
  }
  if (*p != ':' || p == n0) {
    ec = http_error::bad_field;
    return;
  }
  f.name = std::string_view(n0, static_cast<size_t>(p - n0));
  ++p;
  while (p < end && is_ows(*p)) ++p;
  const char* v0 = p;
  const char* q = find_control(p, end);
  const char* next = end_line(q, end, http_error::bad_value, ec);
  if (!next) return;
  while (q > v0 && is_ows(q[-1])) --q;
  f.value = std::string_view(v0, static_cast<size_t>(q - v0));
  if (next < end && is_ows(*next)) {
    ec = http_error::bad_value;  // obs-fold: refused (RFC 9112 §5.2)
    return;
  }
  p = next;
}

// #token (RFC 9110 §5.6.1): tokens separated by commas and OWS; empty elements allowed.
bool valid_token_list(std::string_view list) {
  for (size_t i = 0; i < list.size();) {
    while (i < list.size() && is_ows(list[i])) ++i;
    while (i < list.size() && is_token(list[i])) ++i;
    while (i < list.size() && is_ows(list[i])) ++i;
    if (i < list.size() && list[i++] != ',') return false;
  }
  return true;
}

// Field lines up to and including the blank line that ends them (a head's or a trailer
// section's), each given to `on_field`; returns the byte after the blank line, or nullptr with ec
// set (need_more when it is not all there).
template <class OnField>
const char* parse_field_lines(const char* p, const char* end, error_code& ec, OnField on_field) {
  for (;;) {
    if (end - p < 2) {
      ec = http_error::need_more;
      return nullptr;
    }
    if (p[0] == '\r') {
      if (p[1] != '\n') {
        ec = http_error::bad_line_ending;
        return nullptr;
      }
      return p + 2;
    }
    header_field f;
    parse_field_line(p, end, f, ec);
    if (ec) return nullptr;
    on_field(f, ec);
    if (ec) return nullptr;
  }
}

// Whether a comma-separated list holds `token` (case-insensitive), e.g. Connection: close.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
    if (name_is(item, token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// The last coding of a Transfer-Encoding list, trimmed, without its parameters (as Beast).
std::string_view last_coding(std::string_view list) {
  while (!list.empty() && (is_ows(list.back()) || list.back() == ',')) list.remove_suffix(1);
  const size_t comma = list.rfind(',');
  std::string_view item = comma == std::string_view::npos ? list : list.substr(comma + 1);
  item = item.substr(0, item.find(';'));
  while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
  while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
  return item;
}

// Content-Length: 1*DIGIT, or a list of the same number (RFC 9110 §8.6 lets a recipient take
// that); false if malformed, too large, or the items differ.
bool parse_content_length(std::string_view v, uint64_t& out) {
  bool any = false;
  uint64_t first = 0;
  while (true) {
    const size_t comma = v.find(',');
    std::string_view item = v.substr(0, comma);
    while (!item.empty() && is_ows(item.front())) item.remove_prefix(1);
    while (!item.empty() && is_ows(item.back())) item.remove_suffix(1);
    if (item.empty() || item.size() > 19) return false;  // 19 digits fit in 64 bits
    uint64_t n = 0;
    for (char c : item) {
      if (!is_digit(c)) return false;
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (any && n != first) return false;
    first = n;
    any = true;
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  out = first;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// chunk-ext (RFC 9112 §7.1.1): *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ),
// nothing after the last (as Beast).
bool valid_chunk_extensions(std::string_view s) {
  size_t i = 0;
  auto bws = [&] {
    while (i < s.size() && is_ows(s[i])) ++i;
  };
  auto token = [&] {
    const size_t from = i;
    while (i < s.size() && is_token(s[i])) ++i;
    return i > from;
  };
  for (;;) {
    if (i == s.size()) return true;
    bws();
    if (i == s.size() || s[i++] != ';') return false;
    bws();
    if (!token()) return false;
    bws();
    if (i == s.size() || s[i] != '=') continue;
    ++i;
    bws();
    if (i < s.size() && s[i] == '"') {
      for (++i;; ++i) {
        if (i == s.size()) return false;
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"') break;
        if (c == '\\') {
          if (++i == s.size()) return false;
          continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      }
      ++i;
    } else if (!token()) {
      return false;
    }
  }
}

}  // namespace

field_name classify_field_name(std::string_view n) {
  using F = field_name;
  switch (n.size()) {
    case 2:
      return name_is(n, "te") ? F::te : F::other;
    case 4:
      return name_is(n, "host") ? F::host : F::other;
    case 6:
      return name_is(n, "expect") ? F::expect : F::other;
    case 7:
      return name_is(n, "trailer") ? F::trailer : name_is(n, "upgrade") ? F::upgrade : F::other;
    case 10:
      return name_is(n, "connection")   ? F::connection
             : name_is(n, "keep-alive") ? F::keep_alive
                                        : F::other;
    case 12:
      return name_is(n, "content-type") ? F::content_type : F::other;
    case 13:
      return name_is(n, "authorization") ? F::authorization : F::other;
    case 14:
      return name_is(n, "content-length") ? F::content_length : F::other;
    case 15:
      return name_is(n, "accept-encoding") ? F::accept_encoding : F::other;
    case 16:
      return name_is(n, "proxy-connection") ? F::proxy_connection : F::other;
    case 17:
      return name_is(n, "transfer-encoding") ? F::transfer_encoding : F::other;
    case 18:
      return name_is(n, "proxy-authenticate") ? F::proxy_authenticate : F::other;
    case 19:
      return name_is(n, "proxy-authorization") ? F::proxy_authorization : F::other;
    default:
      return F::other;
  }
}

bool is_hop_by_hop(field_name f) {
  switch (f) {
    case field_name::connection:
    case field_name::keep_alive:
    case field_name::proxy_connection:
    case field_name::proxy_authorization:
    case field_name::proxy_authenticate:
    case field_name::te:
    case field_name::trailer:
    case field_name::upgrade:
      return true;
    default:
      return false;
  }
}

http1_parser::http1_parser(bool request, std::vector<header_field>&& reuse)
    : fields(std::move(reuse)), request_(request) {
  fields.clear();
}

size_t http1_parser::put(const char* p, size_t n, error_code& ec) {
  ec = {};
  size_t used = 0;
  if (state_ == state::head) {
    const size_t avail = std::min<size_t>(n, header_limit_);
    const char* end = p + avail;
    if (scanned_ > 0) {
      // An earlier put ran out of bytes: look for the blank line in what is new before parsing
      // again, so that a head arriving a byte at a time costs linear time.
      const char* from = p + (scanned_ > 3 ? scanned_ - 3 : 0);
      const char* blank = nullptr;
      while (from < end) {
        const void* nl = std::memchr(from, '\n', static_cast<size_t>(end - from));
        if (!nl) break;
        const char* q = static_cast<const char*>(nl);
        if (q - p >= 3 && q[-1] == '\r' && q[-2] == '\n' && q[-3] == '\r') {
          blank = q + 1;
          break;
        }
        from = q + 1;
      }
      if (!blank) {
        scanned_ = avail;
        ec = n >= header_limit_ ? http_error::header_limit : http_error::need_more;
        return 0;
      }
      end = blank;
    }
    const char* head_end = parse_head(p, end, ec);
    if (ec == http_error::need_more) {
      forget_head();
      scanned_ = std::max<size_t>(avail, 1);
      if (n >= header_limit_) ec = http_error::header_limit;
      return 0;
    }
    if (ec) return 0;
    used = static_cast<size_t>(head_end - p);
    finish_head(ec);
    if (ec || !eager_) return used;
  }
  while (used < n && state_ != state::complete) {
    const char* at = p + used;
    const size_t left = n - used;
    switch (state_) {
      case state::body:
      case state::chunk_data: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, left));
        deliver(at, take);
        used += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = state_ == state::body ? state::complete : state::chunk_crlf;
        break;
      }
      case state::body_to_eof:
        if (body_limit_) {
          if (left > *body_limit_) {
            ec = http_error::body_limit;
            return used;
          }
          *body_limit_ -= left;
        }
        deliver(at, left);
        used = n;
        break;
      case state::chunk_crlf:
        if (left < 2) {
          ec = http_error::need_more;
          return used;
        }
        if (at[0] != '\r' || at[1] != '\n') {
          ec = http_error::bad_chunk;
          return used;
        }
        used += 2;
        state_ = state::chunk_size;
        break;
      case state::chunk_size:
        used += parse_chunk_size(at, left, ec);
        if (ec) return used;
        break;
      case state::trailers:
        used += parse_trailers(at, left, ec);
        if (ec) return used;
        break;
      case state::head:
      case state::complete:
        return used;
    }
  }
  return used;
}

// What a head that ran out of bytes set: it is parsed again, whole, when the rest is there.
void http1_parser::forget_head() {
  fields.clear();
  connection_close = connection_keep_alive = expect_continue = false;
  framing = framing_error::ok;
  chunked_ = transfer_encoding_ = false;
  content_length_.reset();
}

const char* http1_parser::parse_head(const char* p, const char* end, error_code& ec) {
  p = parse_start_line(p, end, ec);
  if (!p) return nullptr;
  return parse_field_lines(p, end, ec, [this](header_field& f, error_code& fec) {
    f.known = classify_field_name(f.name);
    if (f.known != field_name::other) on_field(f, fec);
    fields.push_back(f);
  });
}

const char* http1_parser::parse_start_line(const char* p, const char* end, error_code& ec) {
  if (request_) {
    // method SP request-target SP HTTP-version CRLF
    const char* m0 = p;
    while (p < end && is_token(*p)) ++p;
    if (p == end) return ec = http_error::need_more, nullptr;
    if (*p != ' ' || p == m0) return ec = http_error::bad_method, nullptr;
    method = std::string_view(m0, static_cast<size_t>(p - m0));
    const char* t0 = ++p;
    while (p < end && is_target_char(*p)) ++p;
    if (p == end) return ec = http_error::need_more, nullptr;
    if (*p != ' ' || p == t0) return ec = http_error::bad_target, nullptr;
    target = std::string_view(t0, static_cast<size_t>(p - t0));
    ++p;
    if (end - p < 10) return ec = http_error::need_more, nullptr;
    if (!parse_version(p, version) || p[8] != '\r' || p[9] != '\n')
      return ec = http_error::bad_version, nullptr;
    return p + 10;
  }
  // HTTP-version SP 3DIGIT [ SP reason-phrase ] CRLF
  if (end - p < 14) return ec = http_error::need_more, nullptr;
  if (!parse_version(p, version) || p[8] != ' ') return ec = http_error::bad_version, nullptr;
  if (!is_digit(p[9]) || !is_digit(p[10]) || !is_digit(p[11]))
    return ec = http_error::bad_status, nullptr;
  status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
  p += 12;
  if (*p == ' ') {
    ++p;
    const char* q = find_control(p, end);
    const char* next = end_line(q, end, http_error::bad_reason, ec);
    if (next) reason = std::string_view(p, static_cast<size_t>(q - p));
    return next;
  }
  if (*p != '\r') return ec = http_error::bad_status, nullptr;
  return end_line(p, end, http_error::bad_status, ec);
}

void http1_parser::on_field(const header_field& f, error_code& ec) {
  switch (f.known) {
    case field_name::content_length: {
      uint64_t v = 0;
      if (!parse_content_length(f.value, v)) {
        ec = http_error::bad_content_length;
      } else if (content_length_ && *content_length_ != v) {
        ec = http_error::multiple_content_length;
      } else if (transfer_encoding_) {
        framing = framing_error::content_length_with_transfer_encoding;
        ec = http_error::bad_transfer_encoding;
      } else {
        content_length_ = v;
      }
      break;
    }
    case field_name::transfer_encoding:
      if (content_length_) {
        framing = framing_error::content_length_with_transfer_encoding;
        ec = http_error::bad_transfer_encoding;
      } else if (chunked_) {
        ec = http_error::bad_transfer_encoding;  // chunked must be the last coding applied
      } else {
        transfer_encoding_ = true;
        chunked_ = name_is(last_coding(f.value), "chunked");
      }
      break;
    case field_name::connection:
    case field_name::proxy_connection:
      if (!valid_token_list(f.value)) {
        ec = http_error::bad_value;
        break;
      }
      if (has_token(f.value, "close")) connection_close = true;
      if (has_token(f.value, "keep-alive")) connection_keep_alive = true;
      break;
    case field_name::expect:
      if (request_) expect_continue = name_is(f.value, "100-continue");
      break;
    default:
      break;
  }
}

void http1_parser::finish_head(error_code& ec) {
  if (request_) {
    if (transfer_encoding_ && (!chunked_ || version < 11)) {
      framing = framing_error::bad_transfer_encoding;
      ec = http_error::bad_transfer_encoding;
      return;
    }
  } else if (skip_body_ || status / 100 == 1 || status == 204 || status == 304) {
    state_ = state::complete;  // no body, whatever the fields say (RFC 9112 §6.3)
    return;
  }
  if (chunked_) {
    state_ = state::chunk_size;
  } else if (content_length_) {
    if (body_limit_ && *content_length_ > *body_limit_) {
      ec = http_error::body_limit;
      return;
    }
    remaining_ = *content_length_;
    state_ = remaining_ > 0 ? state::body : state::complete;
  } else {
    state_ = request_ ? state::complete : state::body_to_eof;
  }
}

size_t http1_parser::parse_chunk_size(const char* p, size_t n, error_code& ec) {
  // chunk-size [ chunk-ext ] CRLF
  const void* nl = std::memchr(p, '\n', n);
  if (!nl) {
    ec = http_error::need_more;
    return 0;
  }
  const char* eol = static_cast<const char*>(nl);
  if (eol == p || eol[-1] != '\r') {
    ec = http_error::bad_chunk;
    return 0;
  }
  const char* q = p;
  uint64_t size = 0;
  for (int d; q < eol - 1 && (d = hex_value(*q)) >= 0; ++q) {
    if (size >> 60) {
      ec = http_error::bad_chunk;  // over 64 bits
      return 0;
    }
    size = size << 4 | static_cast<uint64_t>(d);
  }
  if (q == p) {
    ec = http_error::bad_chunk;
    return 0;
  }
  if (!valid_chunk_extensions(std::string_view(q, static_cast<size_t>(eol - 1 - q)))) {
    ec = http_error::bad_chunk_extension;
    return 0;
  }
  if (size == 0) {
    state_ = state::trailers;
  } else {
    if (body_limit_) {
      if (size > *body_limit_) {
        ec = http_error::body_limit;
        return 0;
      }
      *body_limit_ -= size;
    }
    remaining_ = size;
    state_ = state::chunk_data;
  }
  return static_cast<size_t>(eol + 1 - p);
}

size_t http1_parser::parse_trailers(const char* p, size_t n, error_code& ec) {
  // trailer-section CRLF: checked as fields, and not kept (they are relayed as they came).
  const char* after = parse_field_lines(p, p + n, ec, [](header_field&, error_code&) {});
  if (!after) return 0;
  state_ = state::complete;
  return static_cast<size_t>(after - p);
}

void http1_parser::put_eof(error_code& ec) {
  ec = {};
  if (state_ == state::body_to_eof)
    state_ = state::complete;
  else if (state_ != state::complete)
    ec = http_error::partial_message;
}

}  // namespace llmtap::proxy
