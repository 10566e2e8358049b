#pragma once
// gzip (RFC 1952) with zlib, for `line_protocol.gzip`: InfluxDB reads `Content-Encoding: gzip`
// bodies, and DataKit unzips a gzip body by itself.
#include <string>
#include <string_view>

namespace llmtap::sinks::lp {

// Compresses `in` into `out` (replacing its contents). Returns false only if zlib fails.
bool gzip(std::string_view in, std::string& out);

}  // namespace llmtap::sinks::lp
