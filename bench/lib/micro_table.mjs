// Google Benchmark JSON (with --benchmark_repetitions and aggregates) -> a markdown table of
// medians: time per operation, throughput and the benchmark's own counters.
import { readFileSync } from 'node:fs';

export function loadMicro(file) {
  const j = JSON.parse(readFileSync(file, 'utf8'));
  const rows = new Map();
  for (const b of j.benchmarks) {
    const name = b.run_name || b.name;
    if (!rows.has(name)) rows.set(name, {});
    const r = rows.get(name);
    if (b.aggregate_name === 'median' || (!b.aggregate_name && !r.median)) r.median = b;
    if (b.aggregate_name === 'cv') r.cv = b;
  }
  return rows;
}

const ns = (b) => {
  const mult = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 }[b.time_unit || 'ns'];
  return b.cpu_time * mult;
};
const human = (t) => (t >= 1e6 ? `${(t / 1e6).toFixed(2)} ms` : t >= 1e3 ? `${(t / 1e3).toFixed(2)} µs` : `${t.toFixed(0)} ns`);
const skip = new Set(['name', 'family_index', 'per_family_instance_index', 'run_name', 'run_type', 'repetitions',
  'threads', 'aggregate_name', 'aggregate_unit', 'iterations', 'real_time', 'cpu_time', 'time_unit', 'label',
  'repetition_index', 'error_occurred', 'error_message']);

export function microTable(rows) {
  const out = ['| benchmark | CPU time / op (median) | CV | throughput | counters |', '|---|---:|---:|---:|---|'];
  for (const [name, r] of rows) {
    const b = r.median;
    if (!b) continue;
    if (b.error_occurred) { out.push(`| ${name} | skipped: ${b.error_message} | | | |`); continue; }
    const cv = r.cv ? `${(r.cv.cpu_time * 100).toFixed(1)}%` : '';
    let tp = '';
    if (b.bytes_per_second) tp = `${(b.bytes_per_second / 1e6).toFixed(0)} MB/s`;
    else if (b.items_per_second) tp = `${(b.items_per_second / 1e6).toFixed(2)} M items/s`;
    const counters = Object.entries(b)
      .filter(([k, v]) => !skip.has(k) && typeof v === 'number' && k !== 'bytes_per_second' && k !== 'items_per_second')
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v >= 1e5 ? v.toExponential(2) : +v.toFixed(2)}`).join(' ');
    out.push(`| ${name}${b.label ? ` (${b.label})` : ''} | ${human(ns(b))} | ${cv} | ${tp} | ${counters} |`);
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(microTable(loadMicro(process.argv[2])));
