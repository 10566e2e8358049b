// Reads streaming.tsv ("pass rep target {json}" per line, from bench_client seq) and prints one
// markdown table per pass: medians over repetitions of each target's p50s, and the added figures
// (per repetition: target p50 minus direct p50; then the median). Also used by report.mjs.
import { readFileSync } from 'node:fs';

export const median = (v) => {
  const s = v.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export function loadStreaming(file) {
  const rows = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^(\S+) (\d+) (\S+) (\{.*\})$/);
    if (m) rows.push({ pass: m[1], rep: +m[2], target: m[3], ...JSON.parse(m[4]) });
  }
  return rows;
}

// { pass: { target: { ttft, ttft_added, gap, gap_added, first_byte, first_byte_added, calls, errors } } }
export function summarize(rows) {
  const out = {};
  for (const pass of [...new Set(rows.map((r) => r.pass))]) {
    const pr = rows.filter((r) => r.pass === pass);
    const direct = new Map(pr.filter((r) => r.target === 'direct').map((r) => [r.rep, r]));
    out[pass] = {};
    for (const t of [...new Set(pr.map((r) => r.target))]) {
      const tr = pr.filter((r) => r.target === t);
      const added = (k) => median(tr.map((r) => (direct.has(r.rep) ? r[k] - direct.get(r.rep)[k] : NaN)));
      out[pass][t] = {
        calls: tr.reduce((a, r) => a + r.calls, 0),
        errors: tr.reduce((a, r) => a + r.errors + r.non2xx, 0),
        events: median(tr.map((r) => r.events_per_call)),
        ttft: median(tr.map((r) => r.ttft_p50_us)),
        ttft_added: added('ttft_p50_us'),
        ttft_added_reps: tr.map((r) => (direct.has(r.rep) ? r.ttft_p50_us - direct.get(r.rep).ttft_p50_us : NaN)),
        ttft_p99: median(tr.map((r) => r.ttft_p99_us)),
        first_byte: median(tr.map((r) => r.first_byte_p50_us)),
        first_byte_added: added('first_byte_p50_us'),
        gap: median(tr.map((r) => r.gap_p50_us)),
        gap_added: added('gap_p50_us'),
        gap_p99: median(tr.map((r) => r.gap_p99_us)),
        gap_p99_added: added('gap_p99_us'),
      };
    }
  }
  return out;
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const s = (x, d = 1) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(d) : '-');

export function tables(sum) {
  const lines = [];
  for (const [pass, ts] of Object.entries(sum)) {
    lines.push(`Pass \`${pass}\` (${pass === 'delay0' ? 'whole stream in one upstream write' : 'a timer between upstream events'}); microseconds:`, '');
    lines.push('| target | calls | errors | events/call | TTFT p50 | added TTFT p50 | added TTFT p50 per rep | first byte p50 | added | gap p50 | added gap p50 | gap p99 | added gap p99 |');
    lines.push('|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|');
    for (const [t, v] of Object.entries(ts)) {
      lines.push(`| ${t} | ${v.calls} | ${v.errors} | ${f(v.events)} | ${f(v.ttft)} | ${s(v.ttft_added)} | ${v.ttft_added_reps.map((x) => s(x, 0)).join(' ')} | ${f(v.first_byte)} | ${s(v.first_byte_added)} | ${f(v.gap)} | ${s(v.gap_added)} | ${f(v.gap_p99)} | ${s(v.gap_p99_added)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(tables(summarize(loadStreaming(process.argv[2]))));
}
