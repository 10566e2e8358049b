#include "openai/multipart.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::openai {
namespace {

const std::string kBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"model\"\r\n"
    "Content-Type: audio/mpeg\r\n"
    "\r\n"
    "\x01\x02--Xy binary\r\n"
    "--XyZ\r\n"
    "content-disposition: form-data; name=\"model\"\r\n"
    "\r\n"
    "gpt-4o-transcribe\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=stream\r\n"
    "\r\n"
    "true\r\n"
    "--XyZ--\r\n";

TEST(Multipart, Boundary) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=XyZ", ""), "XyZ");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", ""), "a b");
  EXPECT_EQ(multipart_boundary("application/json", kBody), "");
  EXPECT_EQ(multipart_boundary("", kBody), "XyZ");  // content type not kept: sniff the body
  EXPECT_EQ(multipart_boundary("", "{\"model\":\"x\"}"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data", kBody), "");
}

TEST(Multipart, FindsNamedFieldsNotFilenames) {
  EXPECT_EQ(find_form_field(kBody, "XyZ", "model"), "gpt-4o-transcribe");
  EXPECT_EQ(find_form_field(kBody, "XyZ", "stream"), "true");
  EXPECT_EQ(find_form_field(kBody, "XyZ", "language"), "");
  EXPECT_EQ(find_form_field(kBody, "", "model"), "");
}

TEST(Multipart, TruncatedBodyYieldsNothingPartial) {
  const std::string cut = kBody.substr(0, kBody.find("transcribe"));
  EXPECT_EQ(find_form_field(cut, "XyZ", "model"), "");
  for (size_t i = 0; i <= kBody.size(); ++i) {
    (void)find_form_field(std::string_view(kBody).substr(0, i), "XyZ", "model");  // no crash
  }
}

}  // namespace
}  // namespace llmtap::openai
