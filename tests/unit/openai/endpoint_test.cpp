#include "openai/endpoint.h"

#include <gtest/gtest.h>

#include <string>

namespace llmtap::openai {
namespace {

TEST(ClassifyPath, AllEndpointsWithAndWithoutV1) {
  struct row {
    const char* rest;
    endpoint ep;
  };
  const row rows[] = {
      {"/chat/completions", endpoint::chat_completions},
      {"/completions", endpoint::completions},
      {"/embeddings", endpoint::embeddings},
      {"/responses", endpoint::responses},
      {"/images/generations", endpoint::images_generations},
      {"/images/edits", endpoint::images_edits},
      {"/audio/transcriptions", endpoint::audio_transcriptions},
      {"/audio/translations", endpoint::audio_translations},
      {"/audio/speech", endpoint::audio_speech},
      {"/moderations", endpoint::moderations},
      {"/models", endpoint::models},
      {"/models/gpt-4o", endpoint::models},
      {"/models/meta-llama/Llama-3.1-8B", endpoint::models},
      {"/files", endpoint::files},
      {"/files/file-abc/content", endpoint::files},
      {"/batches", endpoint::batches},
      {"/batches/batch_1/cancel", endpoint::batches},
  };
  for (const auto& r : rows) {
    for (std::string prefix : {"", "/v1", "/openai/v1", "/openai"}) {
      for (std::string suffix : {"", "/"}) {
        const std::string p = prefix + r.rest + suffix;
        const path_info info = classify_path(p);
        EXPECT_EQ(info.ep, r.ep) << p;
        EXPECT_TRUE(info.deployment.empty()) << p;
      }
    }
  }
}

TEST(ClassifyPath, AzureDeployments) {
  const std::string p = "/openai/deployments/my-gpt4o/chat/completions";
  path_info info = classify_path(p);
  EXPECT_EQ(info.ep, endpoint::chat_completions);
  EXPECT_EQ(info.deployment, "my-gpt4o");
  info = classify_path("/openai/deployments/emb/embeddings/");
  EXPECT_EQ(info.ep, endpoint::embeddings);
  EXPECT_EQ(info.deployment, "emb");
  info = classify_path("/openai/deployments/whisper/audio/transcriptions");
  EXPECT_EQ(info.ep, endpoint::audio_transcriptions);
  EXPECT_EQ(info.deployment, "whisper");
  info = classify_path("/openai/deployments/d/unknown");
  EXPECT_EQ(info.ep, endpoint::other);
}

TEST(ClassifyPath, ToleratesQueryAndDoubleSlashes) {
  EXPECT_EQ(classify_path("/v1/chat/completions?api-version=2024-10-21").ep,
            endpoint::chat_completions);
  EXPECT_EQ(classify_path("//v1//chat/completions").ep, endpoint::chat_completions);
}

TEST(ClassifyPath, Other) {
  for (const char* p :
       {"", "/", "/v1", "/v1/", "/responses/resp_123", "/v1/responses/resp_1/cancel",
        "/v1/responses/input_tokens", "/v1/chat/completions/chatcmpl-1", "/v1/chat", "/v1/images",
        "/v1/images/variations", "/v1/audio", "/v1/vector_stores", "/v2/chat/completions",
        "/healthz", "/v1/embeddings/x", "/openai/deployments", "/a/b/c/d/e/f/g/h/i/j/k"}) {
    EXPECT_EQ(classify_path(p).ep, endpoint::other) << p;
  }
}

TEST(OperationId, Names) {
  EXPECT_STREQ(operation_id(endpoint::chat_completions), "createChatCompletion");
  EXPECT_STREQ(operation_id(endpoint::completions), "createCompletion");
  EXPECT_STREQ(operation_id(endpoint::embeddings), "createEmbedding");
  EXPECT_STREQ(operation_id(endpoint::responses), "createResponse");
  EXPECT_STREQ(operation_id(endpoint::images_generations), "createImage");
  EXPECT_STREQ(operation_id(endpoint::images_edits), "createImageEdit");
  EXPECT_STREQ(operation_id(endpoint::audio_transcriptions), "createTranscription");
  EXPECT_STREQ(operation_id(endpoint::audio_translations), "createTranslation");
  EXPECT_STREQ(operation_id(endpoint::audio_speech), "createSpeech");
  EXPECT_STREQ(operation_id(endpoint::moderations), "createModeration");
  EXPECT_STREQ(operation_id(endpoint::models), "listModels");
  EXPECT_STREQ(operation_id(endpoint::files), "createFile");
  EXPECT_STREQ(operation_id(endpoint::batches), "createBatch");
  EXPECT_STREQ(operation_id(endpoint::other), "other");
}

}  // namespace
}  // namespace llmtap::openai
