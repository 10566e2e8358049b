// Debian's InfluxDB 1.x server (influxd) on loopback: every port on a free 127.0.0.1 port, meta,
// data and WAL in a temporary directory, usage reporting and self-monitoring off. It has no CLI
// here: databases are created and queried with InfluxQL over its HTTP /query API.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnServer, waitUntil } from './process.mjs';

export async function startInfluxd() {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-influxdb-'));
  const [rpc, http] = [await freePort(), await freePort()];
  const config = join(dir, 'influxdb.conf');
  writeFileSync(config, `reporting-enabled = false
bind-address = "127.0.0.1:${rpc}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${http}"
  log-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
`);
  const url = `http://127.0.0.1:${http}`;
  const server = spawnServer('influxd', ['run', '-config', config]);
  await waitUntil(server, 'influxd', async () => (await fetch(`${url}/ping`)).status === 204);

  // InfluxQL; returns the statement results (throws on an error).
  async function query(q, db) {
    const params = new URLSearchParams({ q, epoch: 'ns' });
    if (db) params.set('db', db);
    const res = await fetch(`${url}/query`, { method: 'POST', body: params });
    const body = await res.json();
    const err = body.error ?? body.results?.find((r) => r.error)?.error;
    if (err) throw new Error(`InfluxQL ${q}: ${err}`);
    return body.results;
  }
  // The rows of a one-series SELECT as objects keyed by column ([] when there is no series).
  async function rows(q, db) {
    const [r] = await query(q, db);
    const s = r.series?.[0];
    return s ? s.values.map((v) => Object.fromEntries(s.columns.map((c, i) => [c, v[i]]))) : [];
  }
  return {
    url,
    query,
    rows,
    output: server.output,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
