#pragma once
// Just enough multipart/form-data to read small text fields (`model`, `stream`) of uploads.
// Pipeline thread; the body may be truncated or binary.
#include <string_view>

namespace llmtap::openai {

// The boundary from a `multipart/form-data; boundary=...` content type (quotes removed); when
// the content type is empty, from the body's first line if it looks like a delimiter.
// Empty when neither names one.
std::string_view multipart_boundary(std::string_view content_type, std::string_view body);

// The value of the first part named `name` (Content-Disposition: form-data; name="..."), a view
// into body. Empty when absent or when the part is cut off by truncation.
std::string_view find_form_field(std::string_view body, std::string_view boundary,
                                 std::string_view name);

}  // namespace llmtap::openai
