#!/usr/bin/env bash
# cg_breakdown.sh INCLUSIVE.txt CALLS: instructions per call of the parts of llmtap that matter,
# from `callgrind_annotate --inclusive=yes` output (bench/profile.sh writes those files).
f=$1 n=$2
row() {  # row LABEL REGEX
  awk -v n="$n" -v label="$1" -v re="$2" '
    $0 ~ re { gsub(",", "", $1); if ($1 + 0 > best) best = $1 + 0 }
    END { if (best > 0) printf "| %s | %.0f |\n", label, best / n }' "$f"
}
echo "| part (inclusive) | instructions per call |"
echo "|---|---:|"
row "all threads" "PROGRAM TOTALS"
row "proxy worker (io_context thread: relay, parsing heads, SSE observation)" "proxy_server::start\\(\\)::\\{lambda"
row "  worker: read_request" "session::read_request\\("
row "  worker: route (head rebuild, include_usage check, key identity)" "session::route\\("
row "  worker: add_include_usage" "proxy::add_include_usage"
row "  worker: read_response_head" "session::read_response_head\\("
row "  worker: relay_response_body" "session::relay_response_body\\("
row "  worker: SSE observation (framer + captures)" "session::observe_body\\("
row "  worker: event_has_content" "openai::event_has_content"
row "pipeline thread" "pipeline::pipeline::run\\(\\)"
row "  pipeline: parse_request + parse_response" "pipeline::pipeline::enrich"
row "  pipeline: openai::parse_response" "openai::parse_response\\("
row "  pipeline: sampling (10%, redaction)" "pipeline::sampler::apply"
row "  pipeline: pricing" "pricing::price_exchange"
row "  pipeline: Prometheus registry" "metrics::registry::offer"
row "store writer thread" "store_writer::run\\(\\)"
row "sink threads (all)" "queued_sink::run\\(\\)"
row "  DogStatsD sink" "dogstatsd_sink::deliver"
row "  sampled-log sink" "sample_log_sink::deliver"
row "  OTLP sink" "otlp.*::deliver"
row "  line protocol sink" "line_protocol.*::deliver"
row "admin thread" "admin_server"
