// Debian's Prometheus server on loopback, scraping the given targets every second, with its
// TSDB in a temporary directory; PromQL over its HTTP API (/api/v1/query).
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer, waitUntil } from './process.mjs';

export async function startPrometheus(targets) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: llmtap',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await waitUntil(server, 'prometheus', async () => (await fetch(`${url}/-/ready`)).ok);

  // The result vector of an instant query: [{ metric: {...}, value: [ts, "v"] }...].
  async function query(q) {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`);
    const body = await res.json();
    if (body.status !== 'success') throw new Error(`PromQL ${q}: ${JSON.stringify(body)}`);
    return body.data.result;
  }
  // The single value of a query that yields one sample (NaN when it yields none).
  async function value(q) {
    const r = await query(q);
    return r.length === 1 ? Number(r[0].value[1]) : NaN;
  }
  return {
    url,
    query,
    value,
    output: server.output,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
