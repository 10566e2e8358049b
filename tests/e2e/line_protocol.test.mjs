// The line-protocol sink against the servers it writes to. InfluxDB 1.x is Debian's real influxd,
// queried with InfluxQL over its HTTP /query API. There is no Debian package of InfluxDB 2.x or of
// Guance DataKit, so those two are node receivers shaped after their write APIs (InfluxDB's
// /api/v2/write with org, bucket, precision and "Authorization: Token"; DataKit's /v1/write/metric
// and /v1/write/logging with input and precision, and /v1/ping): they check the path, the query
// parameters, the headers and the points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { BIN, KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';
import { startInfluxd } from './servers/influxdb.mjs';
import { startReceiver } from './servers/receiver.mjs';
import { freePort } from './servers/process.mjs';

// One line of line protocol -> { measurement, tags, fields, ts }, unescaping as InfluxDB does.
function parseLine(line) {
  let i = 0;
  const plain = (stops) => {
    let s = '';
    while (i < line.length && !stops.includes(line[i])) {
      if (line[i] === '\\' && ', ='.includes(line[i + 1] ?? 'x')) { s += line[i + 1]; i += 2; } else s += line[i++];
    }
    return s;
  };
  const p = { measurement: plain([',', ' ']), tags: {}, fields: {}, ts: null };
  while (line[i] === ',') { i++; const k = plain(['=']); i++; p.tags[k] = plain([',', ' ']); }
  assert.equal(line[i], ' ', `no field set in ${line}`);
  do {
    i++;
    const k = plain(['=']);
    i++;
    if (line[i] === '"') {
      let s = '';
      for (i++; line[i] !== '"'; i++) s += line[i] === '\\' && '"\\'.includes(line[i + 1]) ? line[++i] : line[i];
      i++;
      p.fields[k] = s;
    } else {
      const v = plain([',', ' ']);
      p.fields[k] = /^-?\d+i$/.test(v) ? Number(v.slice(0, -1)) : v === 'true' ? true : v === 'false' ? false : Number(v);
    }
  } while (line[i] === ',');
  if (line[i] === ' ') p.ts = line.slice(i + 1);
  return p;
}
const parseBody = (body) => body.split('\n').filter(Boolean).map(parseLine);

function setup(toml) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-lp-'));
  const file = join(dir, 'llmtap.toml');
  writeFileSync(file, toml);
  return { dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// `llmtap info`, run without blocking the event loop (the node receivers answer its checks).
async function info(cfg, mock) {
  const r = await promisify(execFile)(BIN, ['info', '--config', cfg.file, '--data-dir', cfg.dir, '--upstream', mock.url],
    { encoding: 'utf8', timeout: 60000 }).catch((e) => e);  // exit code 1 when a check failed
  return r.stdout;
}

async function eventually(what, probe, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

// The calls every test makes: two chats, a stream, an embedding and a 429.
async function makeCalls(proxy, extraHeaders = {}) {
  const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0, defaultHeaders: extraHeaders });
  const chats = [];
  for (const content of ['Mail ann@example.com about the invoice', 'second question'])
    chats.push(await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] },
      { headers: content === 'second question' ? { 'x-llmtap-service': 'billing api, v2' } : {} }));
  let streamed = '';
  for await (const c of await via.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream' }] }))
    streamed += c.choices[0]?.delta?.content ?? '';
  const emb = await via.embeddings.create({ model: 'text-embedding-3-small', input: 'count my tokens' });
  const limited = await via.chat.completions
    .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too many' }] }, { headers: { 'x-mock-status': '429' } })
    .catch((e) => e);
  assert.equal(limited.status, 429);
  return { chats, streamed, emb };
}

test('InfluxDB 1.x (Debian influxd): InfluxQL returns every call as the store recorded it', { timeout: 120000 }, async () => {
  const influx = await startInfluxd();
  const db = 'llmtap e2e';
  const cfg = setup(`[line_protocol]\nurl = "${influx.url}"\nflavor = "influxdb1"\ndatabase = "${db}"\ngzip = true\nflush_ms = 200\n` +
                    '[samples]\nrate = 0\n');
  const mock = await startMock();
  let proxy;
  try {
    // info checks the server live: its version, and that the database exists.
    assert.match(await info(cfg, mock), /line_protocol .* FAILED: InfluxDB 1\.6\.\S+ at .*: database "llmtap e2e" does not exist/);
    await influx.query(`CREATE DATABASE "${db}"`);
    assert.match(await info(cfg, mock), /line_protocol .* ok: InfluxDB 1\.x \(version 1\.6\.\S+\) at http:\/\/127\.0\.0\.1:\d+, points to .*\/write\?db=llmtap%20e2e&precision=ns/);

    proxy = await startProxy(mock.url, { args: ['--config', cfg.file], env: { DD_SERVICE: 'checkout', DD_ENV: 'e2e' } });
    const { chats, emb } = await makeCalls(proxy);
    await eventually('5 points in InfluxDB', async () =>
      (await influx.rows('SELECT count("duration") FROM "llmtap"', db))[0]?.count === 5);
    assert.equal(await stop(proxy), 0);

    const points = await influx.rows('SELECT * FROM "llmtap"', db);
    const stored = queryStore(proxy.dataDir, 'select * from calls order by ts_unix_ms, id');
    assert.equal(points.length, 5);
    for (const row of stored) {
      const p = points.find((q) => Math.floor(q.time / 1e6) === row.ts_unix_ms && q.endpoint === row.endpoint &&
                                   q.status === String(row.status));
      assert.ok(p, `no point for ${JSON.stringify(row)}`);
      assert.equal(p.model, row.model_requested);
      assert.equal(p.service, row.service);
      assert.equal(p.env, 'e2e');
      assert.equal(p.provider, 'openai');
      assert.equal(p.upstream, 'default');
      assert.equal(p.outcome, row.outcome);
      assert.equal(p.input_tokens, row.input_tokens);
      assert.equal(p.output_tokens ?? null, row.output_tokens);
      assert.equal(p.total_tokens ?? null, row.total_tokens);
      assert.equal(p.request_id ?? null, row.request_id);
      assert.ok(Math.abs(p.duration * 1e6 - row.duration_us) <= 2, `${p.duration} s vs ${row.duration_us} us`);
      if (row.cost_nano_usd != null) assert.ok(Math.abs(p.cost_usd - row.cost_nano_usd / 1e9) < 1e-12);
      assert.equal(p.stream, row.stream === 1);
      assert.equal(p.request_bytes, row.request_bytes);
    }
    // What the client itself was told.
    const sums = (await influx.rows(`SELECT sum("input_tokens") AS i, sum("output_tokens") AS o FROM "llmtap" WHERE "model" = 'gpt-4o-mini' AND "status" = '200'`, db))[0];
    assert.equal(sums.i, chats[0].usage.prompt_tokens + chats[1].usage.prompt_tokens);
    assert.equal(sums.o, chats[0].usage.completion_tokens + chats[1].usage.completion_tokens);
    const [e] = await influx.rows(`SELECT "input_tokens" FROM "llmtap" WHERE "endpoint" = 'embeddings'`, db);
    assert.equal(e.input_tokens, emb.usage.prompt_tokens);
    const [ttft] = await influx.rows(`SELECT "ttft", "duration" FROM "llmtap" WHERE "stream" = true`, db);
    assert.ok(ttft.ttft > 0 && ttft.ttft <= ttft.duration);
    const [err] = await influx.rows(`SELECT "error", "error_type" FROM "llmtap" WHERE "status" = '429'`, db);
    assert.equal(err.error, true);
    assert.ok(err.error_type.length > 0);
    // A tag value with a comma and spaces survives the escaping.
    assert.equal((await influx.rows(`SELECT count("duration") FROM "llmtap" WHERE "service" = 'billing api, v2'`, db))[0].count, 1);

    // The Guance-compatible measurement: its doc's fields, floats; no question (nothing sampled).
    const guance = await influx.rows('SELECT * FROM "openai"', db);
    assert.equal(guance.length, 5);
    for (const g of guance) {
      const p = points.find((q) => q.time === g.time);
      assert.equal(g.res_status, Number(p.status));
      assert.equal(g.response_time, p.duration);
      assert.ok(Math.abs(g.create_time - g.time / 1e9) < 1e-6);
      assert.equal(g.total_tokens ?? null, p.total_tokens ?? null);
    }
    const [fields] = await influx.query('SHOW FIELD KEYS FROM "openai"', db);
    const types = Object.fromEntries(fields.series[0].values);
    assert.deepEqual(types, { create_time: 'float', res_status: 'float', response_time: 'float', total_tokens: 'float' });
  } finally {
    if (proxy) { await stop(proxy); proxy.cleanup(); }
    await stop(mock);
    await influx.stop();
    cfg.cleanup();
  }
});

// No Debian package of InfluxDB 2.x: a receiver checks the 2.x write API request instead.
test('InfluxDB 2.x write API: org, bucket, precision, the token header, gzip', async () => {
  const rx = await startReceiver(() => ({ status: 204 }));
  const token = 'e2e-influx-token-7f3a';
  const cfg = setup(`[line_protocol]\nurl = "${rx.url}/"\nflavor = "influxdb2"\norg = "acme & co"\nbucket = "llm"\n` +
                    `token = "${token}"\ngzip = true\nflush_ms = 200\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', cfg.file, '--debug'] });
  try {
    await makeCalls(proxy);
    await eventually('10 points received', () => rx.requests.flatMap((r) => parseBody(r.body)).length === 10);
    for (const r of rx.requests) {
      assert.equal(r.method, 'POST');
      assert.equal(r.path, '/api/v2/write');
      assert.deepEqual(r.query, { org: 'acme & co', bucket: 'llm', precision: 'ns' });
      assert.equal(r.headers.authorization, `Token ${token}`);
      assert.equal(r.headers['content-encoding'], 'gzip');
      assert.equal(r.raw[0], 0x1f);  // gzip magic
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    }
    const pts = rx.requests.flatMap((r) => parseBody(r.body));
    assert.deepEqual([...new Set(pts.map((p) => p.measurement))].sort(), ['llmtap', 'openai']);
    assert.ok(pts.every((p) => /^\d{19}$/.test(p.ts)), 'nanosecond timestamps');
    assert.equal(pts.filter((p) => p.tags.service === 'billing api, v2').length, 2);
    assert.equal(await stop(proxy), 0);
    assert.ok(!proxy.output().includes(token), 'the token leaked into the output');
    assert.match(proxy.output(), /line_protocol: sent \d+ metric points \(\d+ bytes, gzip\) to http:\/\/127\.0\.0\.1:\d+\/api\/v2\/write\?org=acme%20%26%20co&bucket=llm&precision=ns/);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    await rx.stop();
    cfg.cleanup();
  }
});

// No Debian package of DataKit: a receiver shaped after its HTTP API (datadog-guance.md §6b).
test('DataKit: metrics without strings to /v1/write/metric, sampled prompts to /v1/write/logging', async () => {
  const rx = await startReceiver((r) => (r.path === '/v1/ping'
    ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"content":{"version":"1.62.0","uptime":"1h"}}' }
    : { status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));
  const cfg = setup(`[line_protocol]\nurl = "${rx.url}"\nflavor = "datakit"\nflush_ms = 200\n[samples]\nrate = 1.0\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', cfg.file] });
  try {
    assert.match(await info(cfg, mock), /line_protocol .* ok: DataKit 1\.62\.0 at http:\/\/127\.0\.0\.1:\d+/);
    const { chats, streamed } = await makeCalls(proxy);
    const writes = (path) => rx.requests.filter((r) => r.path === path);
    await eventually('10 metric points and 5 logs', () =>
      writes('/v1/write/metric').flatMap((r) => parseBody(r.body)).length === 10 &&
      writes('/v1/write/logging').flatMap((r) => parseBody(r.body)).length === 5);
    for (const r of [...writes('/v1/write/metric'), ...writes('/v1/write/logging')]) {
      assert.equal(r.method, 'POST');
      assert.deepEqual(r.query, { input: 'llmtap', precision: 'n' });
      assert.equal(r.headers.authorization, undefined);
    }
    const metrics = writes('/v1/write/metric').flatMap((r) => parseBody(r.body));
    assert.ok(metrics.every((p) => Object.values(p.fields).every((v) => typeof v !== 'string')),
      'DataKit drops string fields of metric points: none are sent');
    const guance = metrics.filter((p) => p.measurement === 'openai');
    assert.equal(guance.length, 5);
    const first = guance.find((p) => p.tags.model === 'gpt-4o-mini' && p.fields.res_status === 200 &&
                                     p.fields.total_tokens === chats[0].usage.total_tokens);
    assert.ok(first, JSON.stringify(guance));
    assert.ok(first.fields.response_time > 0 && Math.abs(first.fields.create_time - Number(first.ts) / 1e9) < 1e-6);
    assert.equal(guance.filter((p) => p.fields.res_status === 429).length, 1);

    const logs = writes('/v1/write/logging').flatMap((r) => parseBody(r.body));
    assert.ok(logs.every((l) => l.measurement === 'openai' && ['info', 'error'].includes(l.tags.status)));
    const mail = logs.find((l) => l.fields.question.includes('about the invoice'));
    assert.deepEqual(JSON.parse(mail.fields.question), [{ role: 'user', content: 'Mail [REDACTED_EMAIL] about the invoice' }]);
    assert.equal(JSON.parse(mail.fields.completion)[0].message.content, chats[0].choices[0].message.content);
    assert.deepEqual(JSON.parse(mail.fields.message).input, JSON.parse(mail.fields.question));
    assert.match(mail.fields.trace_id, /^[0-9a-f]{32}$/);
    const stream = logs.find((l) => l.tags.model === 'gpt-4o');
    assert.equal(JSON.parse(stream.fields.completion)[0].message.content, streamed);
    assert.equal(logs.find((l) => l.fields.res_status === 429).tags.status, 'error');

    const everything = rx.requests.map((r) => r.body).join('\n');
    assert.ok(!everything.includes(KEY), 'the API key leaked');
    assert.ok(!everything.includes('ann@example.com'), 'unredacted text leaked');
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    await rx.stop();
    cfg.cleanup();
  }
});

test('a dead target never slows a call: failed writes and lost points are counted', async () => {
  const port = await freePort();  // nothing listens there
  const cfg = setup(`[line_protocol]\nurl = "http://127.0.0.1:${port}"\nflush_ms = 100\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', cfg.file] });
  try {
    await makeCalls(proxy);
    await eventually('the failed write is counted', async () => {
      const m = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
      return /llmtap_sink_errors_total\{sink="line_protocol"\} [1-9]/.test(m) &&
             /llmtap_dropped_total\{stage="line_protocol"\} 10\n/.test(m) &&
             /llmtap_sink_received_total\{sink="line_protocol"\} 5\n/.test(m);
    });
    assert.equal(await stop(proxy), 0);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    cfg.cleanup();
  }
});
