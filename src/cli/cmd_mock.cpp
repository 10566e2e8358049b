// `llmtap mock`: serve the in-process mock (src/mock) from the command line.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "config/config.h"
#include "mock/mock_server.h"

namespace llmtap::cli {

namespace {

struct mock_flags {
  std::string listen = "127.0.0.1:8789";
  std::vector<std::string> fail;
  mock::mock_options opts;
};

// HOST:PORT or [V6]:PORT, with the parser serve uses.
void parse_listen(const std::string& s, mock::mock_options& o) {
  try {
    auto [host, port] = parse_host_port(s, "--listen");
    o.host = host;
    o.port = port;
  } catch (const config_error& e) {
    throw CLI::ValidationError("--listen", e.what());
  }
}

mock::fail_rule parse_fail(const std::string& s) {
  auto colon = s.find(':');
  mock::fail_rule r;
  try {
    if (colon == std::string::npos) throw std::invalid_argument("no colon");
    int status = std::stoi(s.substr(0, colon));
    double fraction = std::stod(s.substr(colon + 1));
    if (status < 400 || status > 599 || !(fraction >= 0 && fraction <= 1))
      throw std::out_of_range("range");
    r.status = static_cast<unsigned>(status);
    r.fraction = fraction;
  } catch (const std::exception&) {
    throw CLI::ValidationError("--fail",
                               "expected STATUS:FRACTION such as 500:0.1, got '" + s + "'");
  }
  return r;
}

}  // namespace

void register_mock(CLI::App& root, int& exit_code) {
  auto flags = std::make_shared<mock_flags>();
  auto* sub = root.add_subcommand(
      "mock",
      "Run a faithful OpenAI API server for tests, demos and benchmarks.\n"
      "Serves chat/completions, completions, embeddings, responses and models (stream or not),\n"
      "under /v1, without /v1, and Azure paths; any Bearer or api-key is accepted.\n"
      "Per-call steering request headers: x-mock-status: 429|500|..., x-mock-error: "
      "insufficient_quota,\n"
      "x-mock-latency-ms: N, x-mock-chunk-delay-ms: N, x-mock-disconnect-after: N (chunks),\n"
      "x-mock-tokens: N, x-mock-malformed: 1, x-mock-stream-error: 1.");
  auto& o = flags->opts;
  sub->add_option("--listen", flags->listen, "HOST:PORT to listen on (port 0: pick a free one)")
      ->capture_default_str();
  sub->add_option("--latency-ms", o.latency_ms, "Delay before every answer or first chunk")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--chunk-delay-ms", o.chunk_delay_ms, "Delay between stream chunks")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  sub->add_option("--fail", flags->fail,
                  "STATUS:FRACTION, e.g. 500:0.1 fails exactly every 10th call (repeatable)");
  auto* cert = sub->add_option("--tls-cert", o.tls_cert_file, "PEM certificate chain: serve HTTPS")
                   ->check(CLI::ExistingFile);
  auto* key = sub->add_option("--tls-key", o.tls_key_file, "PEM private key for --tls-cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  sub->add_option("--threads", o.threads, "I/O threads")
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  sub->add_option("--rpm", o.requests_per_window,
                  "Request budget per minute reported in x-ratelimit-* headers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--tpm", o.tokens_per_window,
                  "Token budget per minute reported in x-ratelimit-* headers")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--embedding-dimensions", o.embedding_dimensions,
                  "Embedding length when the request sets no `dimensions`")
      ->check(CLI::Range(1u, 4096u))
      ->capture_default_str();

  sub->callback([flags, &exit_code] {
    auto& opts = flags->opts;
    parse_listen(flags->listen, opts);
    for (const auto& f : flags->fail) opts.fail.push_back(parse_fail(f));
    opts.handle_signals = true;
    run_command("mock", exit_code, [&] {
      mock::mock_server server(opts);
      std::printf("llmtap mock listening on %s\n", server.url().c_str());
      std::fflush(stdout);  // scripts and tests wait for this line
      server.run();
      return 0;
    });
  });
}

}  // namespace llmtap::cli
