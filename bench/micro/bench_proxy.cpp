// The worker's one look at a request body: whether a streamed chat request needs
// stream_options.include_usage (proxy/usage_rewrite.h). Runs on every chat request.
#include <benchmark/benchmark.h>

#include "fixtures.h"
#include "proxy/usage_rewrite.h"

namespace llmtap::bench {
namespace {

void BM_add_include_usage(benchmark::State& state) {
  const int kind = static_cast<int>(state.range(0));
  std::string body = chat_request(kind != 0);
  if (kind == 2) {  // a streamed request without stream_options: the rewrite happens
    body.erase(body.find(R"(,"stream_options")"));
    body += '}';
  }
  std::string out;
  bool changed = false;
  for (auto _ : state) {
    changed = proxy::add_include_usage(body, out);
    benchmark::DoNotOptimize(changed);
  }
  if (changed != (kind == 2)) state.SkipWithError("unexpected rewrite decision");
  state.SetLabel(kind == 0 ? "not streamed" : kind == 1 ? "streamed, usage asked" : "streamed, rewritten");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_add_include_usage)->Arg(0)->Arg(1)->Arg(2);

}  // namespace
}  // namespace llmtap::bench
