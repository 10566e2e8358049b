// Builds the single results file of bench/run-all.sh from the parts' raw outputs in one folder:
//   proxy/raw.tsv and sdk/raw.tsv (shared harness rows), streaming/streaming.tsv, rss/rss.json, soak/soak.tsv,
//   micro/micro.md, micro/tokenizer.md, profile/profile.md (when there), and each part's .md.
// The bars table comes first; every figure is next to its anchor from the same run.
//   node bench/lib/report.mjs DIR > results.md
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStreaming, median, summarize, tables } from './streaming_table.mjs';

const dir = process.argv[2];
const read = (p) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : null);
const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const sgn = (x, d = 0) => (Number.isFinite(x) ? (x >= 0 ? '+' : '') + x.toFixed(d) : 'n/a');
const verdict = (ok) => (ok === undefined ? 'no bar' : ok === null ? 'not measured' : ok ? '**met**' : '**not met**');

// ---- proxy rows: per repetition, llmtap vs its anchors
// sdk/raw.tsv (bench/sdk-stream.sh): the SSE pass again with the request the SDKs send by default
// (no stream_options), under its own mode name.
const SDK_MODE = 'sse, SDK default (no stream_options)';
const harnessRows = (file, modeName) => {
  const raw = read(file);
  return raw
    ? raw.trim().split('\n').slice(1).map((l) => {
        const [mode, rep, conns, target, rps, p50, p90, p99, errors, cpu] = l.split(/\s+/);
        return { mode: modeName ?? mode, rep: +rep, conns: +conns, target, rps: +rps, p50: +p50, p90: +p90, p99: +p99, errors: +errors, cpu: +cpu };
      })
    : [];
};
const rows = [...harnessRows('proxy/raw.tsv'), ...harnessRows('sdk/raw.tsv', SDK_MODE)];
const pick = (mode, conns, target) => rows.filter((r) => r.mode === mode && r.conns === conns && r.target === target);
const paired = (mode, conns, a, b, f) => {
  const B = new Map(pick(mode, conns, b).map((r) => [r.rep, r]));
  return pick(mode, conns, a).filter((r) => B.has(r.rep)).map((r) => f(r, B.get(r.rep)));
};
const modes = [...new Set(rows.map((r) => r.mode))];
const reps = new Set(rows.map((r) => r.rep)).size;

const bars = [];
// the other proxies of the run, for context: "HAProxy x; Portkey y; direct (the mock) z"
const others = (mode, c, f, show) => ['haproxy', 'portkey', 'direct']
  .map((t) => [t, median(pick(mode, c, t).map(f))]).filter(([, v]) => Number.isFinite(v))
  .map(([t, v]) => `${t === 'haproxy' ? 'HAProxy' : t === 'portkey' ? 'Portkey' : 'direct (mock)'} ${show(v)}`).join('; ');
const bar = (name, figure, anchor, ok, note = '') => bars.push({ name, figure, anchor, ok, note });

// 1. CPU per call
for (const mode of modes) {
  for (const c of [16, 64]) {
    const ratio = median(paired(mode, c, 'llmtap', 'nginx', (a, b) => a.cpu / b.cpu));
    const l = median(pick(mode, c, 'llmtap').map((r) => r.cpu));
    const n = median(pick(mode, c, 'nginx').map((r) => r.cpu));
    if (!Number.isFinite(ratio)) continue;
    bar(`CPU time per call, ${mode}, ${c} conns: ≤ 1.5× nginx`, `${fmt(l)} µs (${fmt(ratio, 2)}×)`, `nginx ${fmt(n)} µs; ${others(mode, c, (r) => r.cpu, (x) => `${fmt(x)} µs`)}`, ratio <= 1.5);
  }
}
// 2. added p50 at 1 connection
for (const mode of modes) {
  const d = median(paired(mode, 1, 'llmtap', 'direct', (a, b) => a.p50 - b.p50));
  const dn = median(paired(mode, 1, 'nginx', 'direct', (a, b) => a.p50 - b.p50));
  const dh = median(paired(mode, 1, 'haproxy', 'direct', (a, b) => a.p50 - b.p50));
  const dp = median(paired(mode, 1, 'portkey', 'direct', (a, b) => a.p50 - b.p50));
  if (Number.isFinite(d)) bar(`added p50 latency, ${mode}, 1 conn: ≤ 100 µs`, `${sgn(d)} µs`, `direct ${fmt(median(pick(mode, 1, 'direct').map((r) => r.p50)), 0)} µs; nginx ${sgn(dn)} µs; HAProxy ${sgn(dh)} µs; Portkey ${sgn(dp)} µs`, d <= 100);
}
// 3. streaming TTFT
const st = read('streaming/streaming.tsv') ? summarize(loadStreaming(join(dir, 'streaming/streaming.tsv'))) : null;
if (st) {
  for (const [pass, ts] of Object.entries(st)) {
    if (!ts.llmtap) continue;
    const n = ['nginx', 'haproxy', 'portkey', 'floor'].filter((t) => ts[t]).map((t) => `${t} ${sgn(ts[t].ttft_added)} µs`).join('; ');
    // The floor (bench/floor/byte_relay) copies bytes and nothing else: no proxy adds less.
    const floor = ts.floor?.ttft_added;
    const note = [pass === 'delay0' ? '' : 'nginx echo_sleep timers (ms) add noise to this pass',
      !Number.isFinite(floor) ? '' : floor >= 50 ? `the floor (a byte relay, no HTTP) adds ${sgn(floor)} µs: no proxy meets the bar on this machine`
        : `the floor (a byte relay, no HTTP) adds ${sgn(floor)} µs: ${fmt(50 - floor, 0)} µs of the bar are left for a proxy's own work`];
    bar(`added time to first token p50 (${pass === 'delay0' ? 'no upstream delay' : pass.replace('delay', '') + ' ms between events'}): ≤ 50 µs`,
      `${sgn(ts.llmtap.ttft_added)} µs`, `direct TTFT ${fmt(ts.direct.ttft, 0)} µs; ${n}`, ts.llmtap.ttft_added <= 50,
      note.filter(Boolean).join('; '));
  }
  for (const [pass, ts] of Object.entries(st)) {
    if (pass === 'delay0' || !ts.llmtap) continue;
    bar(`added inter-chunk delay p50 (${pass.replace('delay', '')} ms between events)`, `${sgn(ts.llmtap.gap_added, 1)} µs`,
      `direct gap ${fmt(ts.direct.gap, 0)} µs; nginx ${sgn(ts.nginx?.gap_added, 1)} µs${ts.floor ? `; floor ${sgn(ts.floor.gap_added, 1)} µs` : ''}`, undefined, '');
  }
} else bar('added time to first token p50: ≤ 50 µs', '', '', null);
// 4. throughput at 64 connections
for (const mode of modes) {
  const lr = paired(mode, 64, 'llmtap', 'direct', (a, b) => a.rps / b.rps);
  const ratio = median(paired(mode, 64, 'llmtap', 'nginx', (a, b) => a.rps / b.rps));
  if (!Number.isFinite(ratio)) continue;
  bar(`throughput, ${mode}, 64 conns: ≥ 0.8× nginx`, `${fmt(median(pick(mode, 64, 'llmtap').map((r) => r.rps)), 0)} req/s (${fmt(ratio, 2)}× nginx, ${fmt(median(lr), 3)} of direct)`,
    `nginx ${fmt(median(pick(mode, 64, 'nginx').map((r) => r.rps)), 0)} req/s; ${others(mode, 64, (r) => r.rps, (x) => `${fmt(x, 0)} req/s`)}`, ratio >= 0.8);
}
// 5. RSS with open streams
const rss = read('rss/rss.json') ? JSON.parse(read('rss/rss.json')) : null;
if (rss) {
  const peak = Math.max(rss.llmtap.open_peak_kb, rss.llmtap.hwm_kb) / 1024;
  bar(`RSS with ${rss.streams} open streams: < 64 MB`, `${fmt(peak)} MB (VmHWM ${fmt(rss.llmtap.hwm_kb / 1024)} MB; idle ${fmt(rss.llmtap.idle_kb / 1024)} MB)`,
    `nginx ${fmt(rss.nginx.open_peak_kb / 1024)} MB (idle ${fmt(rss.nginx.idle_kb / 1024)} MB)`, peak < 64);
} else bar('RSS with 1000 open streams: < 64 MB', '', '', null);
if (rss && rss.llmtap.idle_wakeups_per_s !== undefined)
  bar(`idle for ${rss.idle_s} s, from 3 s after 200 calls: wake-ups a second (CPU time a second)`,
    `${fmt(rss.llmtap.idle_wakeups_per_s)} (${fmt(rss.llmtap.idle_cpu_ms_per_s, 2)} ms)`,
    `nginx ${fmt(rss.nginx.idle_wakeups_per_s)} (${fmt(rss.nginx.idle_cpu_ms_per_s, 2)} ms)`, undefined);
// 6. soak
const soak = read('soak/soak.tsv');
if (soak) {
  const s = soak.trim().split('\n').slice(1).map((l) => l.split(/\s+/).map(Number));
  const slope = (a) => {
    const n = a.length, st = a.reduce((x, r) => x + r[0], 0), sr = a.reduce((x, r) => x + r[1], 0);
    const stt = a.reduce((x, r) => x + r[0] * r[0], 0), str = a.reduce((x, r) => x + r[0] * r[1], 0);
    return ((n * str - st * sr) / (n * stt - st * st)) * 60;
  };
  const half = s.slice(Math.floor(s.length / 2));
  const k = slope(half);
  const secs = s.at(-1)[0];
  bar(`no RSS growth in a ${Math.round(secs / 60)}-minute soak (second half: slope < 100 KB/min)`,
    `${sgn(k, 1)} KB/min in the second half; ${fmt(s[0][1] / 1024)} → ${fmt(s.at(-1)[1] / 1024)} MB over the run`,
    `${s.at(-1)[3]} calls`, Math.abs(k) < 100);
} else bar('no RSS growth in a 10-minute soak', '', '', null);

// ---- p99 from repetitions (no claim from one run)
const p99lines = [];
for (const mode of modes) {
  for (const t of ['llmtap', 'nginx', 'haproxy', 'portkey']) {
    const d = paired(mode, 1, t, 'direct', (a, b) => a.p99 - b.p99).sort((x, y) => x - y);
    if (d.length) p99lines.push(`| ${t} | ${mode} | ${d.length} | ${sgn(d[0])} | ${sgn(median(d))} | ${sgn(d.at(-1))} | ${d.map((x) => sgn(x)).join(' ')} |`);
  }
}

const out = [];
const started = (read('machine.md') || '').match(/date: ([^\n]*)/);
out.push(`# llmtap performance suite: ${started ? started[1] : new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC'}`, '');
out.push(read('machine.md') || '', '');
out.push('## Bars', '', '| bar | llmtap | anchor (same run) | verdict | note |', '|---|---|---|---|---|');
for (const b of bars) out.push(`| ${b.name} | ${b.figure} | ${b.anchor} | ${verdict(b.ok)} | ${b.note} |`);
out.push('');
if (p99lines.length) {
  out.push(`## p99 at 1 connection, added over direct, per repetition (${reps} repetitions; no tail claim is made from one run)`, '');
  out.push('| target | mode | reps | min | median | max | each repetition (µs) |', '|---|---|---:|---:|---:|---:|---|', ...p99lines, '');
}
for (const [title, file] of [['Wall-clock comparison', 'proxy/proxy.md'],
  ['SDK-default streams (no stream_options: include_usage added, usage event filtered)', 'sdk/proxy.md'], ['Streaming', 'streaming/streaming.md'],
  ['Memory with open streams', 'rss/streams-rss.md'], ['Soak', 'soak/soak.md'], ['Profiles', 'profile/profile.md'],
  ['Micro-benchmarks', 'micro/micro.md'], ['Tokenizer vs tiktoken', 'micro/tokenizer.md']]) {
  const t = read(file);
  if (!t) { out.push(`## ${title}`, '', 'Not run in this session.', ''); continue; }
  out.push(`## ${title}`, '', t.replace(/^# .*\n/, '').replace(/^#/gm, '##'), '');
}
console.log(out.join('\n'));
