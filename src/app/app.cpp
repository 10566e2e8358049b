#include "app/app.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "admin/admin_server.h"
#include "app/memory_release.h"
#include "app/sinks_from_config.h"
#include "core/debug_log.h"
#include "core/paths.h"
#include "metrics/registry.h"
#include "pipeline/pipeline.h"
#include "pricing/pricing.h"
#include "proxy/proxy_server.h"
#include "store/writer.h"

namespace llmtap {

std::string load_or_create_secret(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) throw config_error(fmt::format("cannot create data dir {}: {}", data_dir, ec.message()));
  std::string path = data_dir + "/secret";
  if (std::ifstream in(path); in) {
    std::string s;
    std::getline(in, s);
    if (s.size() >= 32) return s;
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw config_error("cannot get random bytes for the key secret");
  std::string hex;
  for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw config_error(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  bool ok = ::write(fd, hex.data(), hex.size()) == static_cast<ssize_t>(hex.size());
  ::close(fd);
  if (!ok) throw config_error(fmt::format("cannot write {}", path));
  return hex;
}

struct app::impl {
  config cfg;
  exchange_queue queue;
  std::unique_ptr<pricing::pricing> prices;  // null when no table could be read
  std::string pricing_error;
  std::unique_ptr<store::store_writer> store;
  std::vector<std::unique_ptr<sinks::sink>> sinks;  // started before and stopped after the pipeline
  const metrics::registry* registry = nullptr;  // one of `sinks`: the call series of /metrics
  std::unique_ptr<pipeline::pipeline> pipe;
  std::unique_ptr<proxy::proxy_server> proxy;
  std::unique_ptr<admin::admin_server> admin;
  std::unique_ptr<memory_release> memory;
  std::atomic<bool> ready{false};
  bool stopped = false;

  explicit impl(config c)
      : cfg(std::move(c)),
        queue(static_cast<size_t>(cfg.pipeline.queue_capacity),
              std::min<size_t>(256, std::max<int64_t>(1, cfg.pipeline.queue_capacity / 2))) {}

  std::string metrics() const {
    const auto& pc = proxy->counters();
    std::string out;
    auto counter = [&out](const char* name, const char* help, std::string_view labels, uint64_t v) {
      out += fmt::format("# HELP {0} {1}\n# TYPE {0} counter\n{0}{2} {3}\n", name, help, labels, v);
    };
    counter("llmtap_proxy_connections_total", "Downstream connections accepted.", "", pc.connections.load());
    counter("llmtap_proxy_requests_total", "Requests received by the proxy.", "", pc.requests.load());
    counter("llmtap_proxy_rejected_total", "Requests llmtap answered itself with a 4xx.", "", pc.rejected.load());
    counter("llmtap_proxy_upstream_errors_total", "Calls that failed on the upstream side (502/504, cut streams).", "",
            pc.upstream_errors.load());
    counter("llmtap_pipeline_processed_total", "Exchanges processed by the pipeline.", "", pipe->processed());
    counter("llmtap_store_written_total", "Calls written to the store.", "", store->written());
    counter("llmtap_unpriced_calls_total", "Successful calls whose model has no price (cost unknown, never $0).", "",
            pipe->unpriced());
    counter("llmtap_store_errors_total", "Store write batches that failed.", "", store->errors());
    out += "# HELP llmtap_dropped_total Records dropped because a queue was full.\n"
           "# TYPE llmtap_dropped_total counter\n";
    out += fmt::format("llmtap_dropped_total{{stage=\"pipeline\"}} {}\n", queue.dropped());
    out += fmt::format("llmtap_dropped_total{{stage=\"store\"}} {}\n", store->dropped());
    for (const auto& s : sinks)
      out += fmt::format("llmtap_dropped_total{{stage=\"{}\"}} {}\n", s->name(), s->counters().dropped.load());
    if (!sinks.empty()) {
      auto family = [&](const char* what, const char* help, auto field) {
        out += fmt::format("# HELP llmtap_sink_{0}_total {1}\n# TYPE llmtap_sink_{0}_total counter\n", what, help);
        for (const auto& s : sinks)
          out += fmt::format("llmtap_sink_{}_total{{sink=\"{}\"}} {}\n", what, s->name(), (s->counters().*field).load());
      };
      family("received", "Calls offered to each sink.", &sinks::sink_counters::received);
      family("sent", "Items each sink delivered to its target.", &sinks::sink_counters::sent);
      family("errors", "Failed sends per sink.", &sinks::sink_counters::errors);
    }
    // The call series (requests, durations, tokens, cost, errors, rate limits): docs/metrics.md.
    if (registry) registry->render(out);
    return out;
  }
};

app::app(config cfg) : impl_(std::make_unique<impl>(std::move(cfg))) {
  auto& m = *impl_;
  std::string dir = m.cfg.resolved_data_dir();
  std::string secret = load_or_create_secret(dir);
  m.store = std::make_unique<store::store_writer>(llmtap::store_path(dir),
                                                  static_cast<size_t>(m.cfg.store.queue_capacity),
                                                  static_cast<size_t>(m.cfg.store.batch_size));
  auto loaded = pricing::pricing::load(
      {m.cfg.pricing.table_file, m.cfg.pricing.override_file, m.cfg.deployments});
  if (loaded.ok()) {
    m.prices = std::move(loaded.value);
  } else if (!m.cfg.pricing.table_file.empty() || !m.cfg.pricing.override_file.empty()) {
    throw config_error("pricing: " + loaded.error);  // a file you named must load
  } else {
    m.pricing_error = loaded.error;  // no table installed: run, but say every call is unpriced
  }
  debug_enabled().store(m.cfg.log.debug);
  m.sinks = sinks_from_config(m.cfg);
  for (const auto& s : m.sinks)
    if (const auto* r = dynamic_cast<const metrics::registry*>(s.get())) m.registry = r;
  pipeline::pipeline::options po;
  po.store = m.store.get();
  po.prices = m.prices.get();
  po.debug = m.cfg.log.debug;
  for (auto& s : m.sinks) po.sinks.push_back(s.get());
  po.sampling.rate = m.cfg.samples.rate;
  po.sampling.max_chars = static_cast<size_t>(m.cfg.samples.max_chars);
  po.sampling.redact = m.cfg.samples.redact;
  po.sampling.patterns = m.cfg.samples.redact_patterns;
  try {
    m.pipe = std::make_unique<pipeline::pipeline>(m.queue, std::move(po));
  } catch (const std::invalid_argument& e) {
    throw config_error(std::string("samples.redact_patterns: ") + e.what());
  }
  m.proxy = std::make_unique<proxy::proxy_server>(m.cfg, m.queue, std::move(secret));
  m.admin = std::make_unique<admin::admin_server>(
      m.cfg.proxy.admin_listen,
      admin::admin_handlers{[this] { return impl_->metrics(); }, [this] { return impl_->ready.load(); }});
}

app::~app() { stop(); }

void app::start() {
  impl_->store->start();
  for (auto& s : impl_->sinks) s->start();
  impl_->pipe->start();
  impl_->proxy->start();
  impl_->admin->start();
  impl_->memory = std::make_unique<memory_release>([p = impl_->proxy.get()] { return p->open_connections(); },
                                                   memory_release::options{});
  impl_->memory->start();
  impl_->ready = true;
}

void app::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  impl_->ready = false;
  if (impl_->memory) impl_->memory->stop();
  impl_->proxy->stop();  // in-flight calls finish, their exchanges are queued
  impl_->pipe->stop();   // the queue is closed and drained into the store's queue
  impl_->store->stop();  // the store's queue is drained and committed
  // Sinks drain in parallel, each for at most 5 s: a dead target must not hold up the exit.
  std::vector<std::thread> stopping;
  for (auto& s : impl_->sinks) stopping.emplace_back([&s] { s->stop(std::chrono::seconds(5)); });
  for (auto& t : stopping) t.join();
  impl_->admin->stop();
}

std::string app::pricing_status() const {
  if (!impl_->prices) return "unavailable (" + impl_->pricing_error + "): every call is unpriced";
  auto t = impl_->prices->snapshot();
  std::string s = fmt::format("{} {} ({}), {} models", t->source.package, t->source.version, t->source.published,
                              t->models.size());
  if (!t->source.override_path.empty()) s += ", overrides from " + t->source.override_path;
  return s;
}

bool app::reload_pricing(std::string* message) {
  if (!impl_->prices) {
    if (message) *message = "no price table was loaded at start; restart to load one";
    return false;
  }
  std::string err;
  bool ok = impl_->prices->reload(&err);
  if (message) *message = ok ? pricing_status() : err;
  return ok;
}

std::vector<std::string> app::sink_targets() const {
  std::vector<std::string> out;
  for (const auto& s : impl_->sinks) out.push_back(fmt::format("{} -> {}", s->name(), s->target()));
  return out;
}

uint16_t app::proxy_port() const { return impl_->proxy->port(); }
uint16_t app::admin_port() const { return impl_->admin->port(); }
std::string app::store_path() const { return llmtap::store_path(impl_->cfg.resolved_data_dir()); }

std::string app::drop_report() const {
  std::string r = fmt::format("{} calls stored, {} dropped (pipeline queue {}, store queue {}), {} failed store batches",
                              impl_->store->written(), impl_->queue.dropped() + impl_->store->dropped(),
                              impl_->queue.dropped(), impl_->store->dropped(), impl_->store->errors());
  for (const auto& s : impl_->sinks) {
    const auto& c = s->counters();
    r += fmt::format("; {}: {} sent, {} dropped, {} send errors", s->name(), c.sent.load(), c.dropped.load(),
                     c.errors.load());
  }
  return r;
}

}  // namespace llmtap
