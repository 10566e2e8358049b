#pragma once
// DogStatsD exporter: each call becomes the lines of metric_encoder; the lines of one flush are
// aggregated (line_aggregator.h, unless `aggregate` is off), packed into datagrams of at most
// `max_datagram` bytes (a line is never split) and sent over UDP or a unix datagram socket
// (SOCK_DGRAM, as the Agent's dogstatsd_socket expects) at least every `flush_every`.
//
// UDP has no acknowledgement: a dead Agent costs nothing but lost datagrams. A send error is
// counted (errors = failed sends, dropped = metric lines lost), never fatal; a unix socket that
// went away is reopened later. Counters: received = calls, sent = metric lines delivered.
#include <chrono>
#include <cstdint>
#include <string>

#include "sinks/common/queued_sink.h"
#include "sinks/dogstatsd/line_aggregator.h"
#include "sinks/dogstatsd/metric_encoder.h"

namespace llmtap::sinks {

struct dogstatsd_options {
  std::string url;  // udp://host:port or unix:///path/to/dsd.socket
  size_t max_datagram = 1432;
  std::chrono::milliseconds flush_every{200};
  bool high_cardinality_tags = true;
  // Lines of one flush with the same name, type and tags become one (line_aggregator.h).
  bool aggregate = true;
  size_t queue_capacity = 16384;
};

struct dogstatsd_address {
  bool unix_socket = false;
  std::string host;  // udp (brackets removed from an IPv6 literal)
  std::string port;
  std::string path;  // unix
};
// Throws std::invalid_argument naming what is wrong.
dogstatsd_address parse_dogstatsd_url(const std::string& url);

class dogstatsd_sink final : public queued_sink {
 public:
  explicit dogstatsd_sink(dogstatsd_options o);  // throws std::invalid_argument on a bad url
  ~dogstatsd_sink() override;

  const char* name() const override { return "dogstatsd"; }
  std::string target() const override { return o_.url; }
  // UDP: a probe datagram on a connected socket, then a short wait for the ICMP "port
  // unreachable" a host sends when nothing listens (reliable on loopback; elsewhere a firewall
  // may swallow it, so silence is reported as "not refused", not as proof). Unix: connect().
  check_result check() override;

 private:
  void deliver(std::vector<item>& batch) override;
  bool ensure_socket();
  bool send_datagram(std::string_view datagram, size_t lines);  // false: counted as an error

  dogstatsd_options o_;
  dogstatsd_address addr_;
  int fd_ = -1;
  std::chrono::steady_clock::time_point next_open_{};
  std::string open_error_;  // why the socket could not be opened (logged when it changes)
  metric_encoder encoder_;
  std::string lines_;
  line_aggregator aggregator_;
  datagram_packer packer_;
};

}  // namespace llmtap::sinks
