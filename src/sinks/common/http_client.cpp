#include "sinks/common/http_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <random>
#include <thread>

namespace llmtap::sinks {
namespace {

constexpr size_t kMaxBody = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  size_t len = size * n;
  if (out->size() < kMaxBody) out->append(data, std::min(len, kMaxBody - out->size()));
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<http_response*>(user);
  std::string_view line(data, size * n);
  constexpr std::string_view name = "retry-after:";
  if (line.size() > name.size()) {
    bool match = true;
    for (size_t i = 0; i < name.size() && match; ++i)
      match = static_cast<char>(std::tolower(static_cast<unsigned char>(line[i]))) == name[i];
    if (match) {
      long v = 0;
      bool any = false;
      for (char c : line.substr(name.size())) {
        if (c >= '0' && c <= '9') { v = v * 10 + (c - '0'); any = true; if (v > 86400) break; }
        else if (c != ' ' && c != '\r' && c != '\n') { any = false; break; }
      }
      if (any) r->retry_after_s = v;
    }
  }
  return size * n;
}

}  // namespace

std::string http_response::describe() const {
  if (!error.empty()) return error;
  std::string snippet = body.substr(0, 200);
  std::replace(snippet.begin(), snippet.end(), '\n', ' ');
  return snippet.empty() ? fmt::format("HTTP {}", status) : fmt::format("HTTP {}: {}", status, snippet);
}

http_client::http_client() {
  global_init();
  curl_ = curl_easy_init();
}

http_client::~http_client() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

http_response http_client::post(const std::string& url, const std::vector<std::string>& headers,
                                 std::string_view body, std::chrono::milliseconds timeout) {
  return perform(url, headers, &body, timeout);
}

http_response http_client::get(const std::string& url, const std::vector<std::string>& headers,
                               std::chrono::milliseconds timeout) {
  return perform(url, headers, nullptr, timeout);
}

http_response http_client::perform(const std::string& url, const std::vector<std::string>& headers,
                                   const std::string_view* body, std::chrono::milliseconds timeout) {
  http_response r;
  auto* c = static_cast<CURL*>(curl_);
  if (c == nullptr) {
    r.error = "libcurl could not be initialised";
    return r;
  }
  curl_easy_reset(c);
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (body != nullptr) list = curl_slist_append(list, "Expect:");  // no 100-continue round trip
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<int64_t>(timeout.count(), 5000)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  if (!ca_file_.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, ca_file_.c_str());
  if (!verify_) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (body != nullptr) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  }
  CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    r.error = errbuf[0] != 0 ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    r.body.clear();
  } else {
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  }
  curl_slist_free_all(list);
  return r;
}

http_response post_with_retry(http_client& client, const std::string& url,
                              const std::vector<std::string>& headers, std::string_view body,
                              const retry_policy& policy,
                              std::chrono::steady_clock::time_point give_up_at, int* tries_made) {
  thread_local std::minstd_rand rng(std::random_device{}());
  auto backoff = policy.first_backoff;
  http_response r;
  int tries = 0;
  for (;;) {
    r = client.post(url, headers, body, policy.timeout);
    ++tries;
    if (r.ok() || !r.retryable() || (r.status == 408 && !policy.retry_408) || tries > policy.retries) break;
    // Full jitter: a random wait in [backoff/2, backoff], or what Retry-After asks (capped).
    auto wait = std::chrono::milliseconds(
        backoff.count() / 2 + static_cast<int64_t>(rng() % static_cast<uint64_t>(backoff.count() / 2 + 1)));
    if (r.retry_after_s >= 0)
      wait = std::min<std::chrono::milliseconds>(std::chrono::seconds(r.retry_after_s), policy.max_backoff);
    if (std::chrono::steady_clock::now() + wait >= give_up_at) break;
    std::this_thread::sleep_for(wait);
    backoff = std::min(backoff * 2, policy.max_backoff);
  }
  if (tries_made != nullptr) *tries_made = tries;
  return r;
}

}  // namespace llmtap::sinks
