// OTLP/HTTP: a collector-shaped receiver decodes llmtap's protobuf payloads with protobufjs and
// the published OTLP .proto files (the ones llmtap's encoder is generated from), and checks the
// GenAI attributes, the caller's trace, metrics, content logs, headers, JSON, retries and the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'otlp', 'package.json'));
const protobuf = require('protobufjs');
const protoDir = join(here, '..', '..', 'third_party', 'otlp', 'protos');

function loadRoot() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto'], { keepCase: false });
  return root;
}
const root = loadRoot();
const types = {
  '/v1/traces': root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  '/v1/metrics': root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  '/v1/logs': root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

// A stand-in collector. `failFirst` paths answer 503 once, to show the retry.
function collector({ failFirst = [] } = {}) {
  const posts = [];
  const failed = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      posts.push({ path: req.url, headers: req.headers, body });
      if (failFirst.includes(req.url) && !failed.has(req.url)) {
        failed.add(req.url);
        return res.writeHead(503).end();
      }
      res.writeHead(200, { 'content-type': req.headers['content-type'] }).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, posts, url: `http://127.0.0.1:${server.address().port}` })));
}

const decode = (p) => types[p.path].toObject(types[p.path].decode(p.body), { longs: Number, bytes: String, defaults: false });
const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, kv.value.stringValue ?? kv.value.intValue ?? kv.value.doubleValue ?? kv.value.boolValue ?? kv.value.arrayValue?.values.map((v) => v.stringValue)]));
const hex = (b64) => Buffer.from(b64, 'base64').toString('hex');

test('OTLP protobuf: GenAI spans, metrics and content logs, decoded with protobufjs', async () => {
  const rx = await collector({ failFirst: ['/v1/traces'] });
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-otlp-'));
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[otlp]\nendpoint = "${rx.url}"\nmetric_interval_ms = 60000\ncapture_content = true\n\n[samples]\nrate = 1.0\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    args: ['--config', config],
    env: { OTEL_SERVICE_NAME: 'shop', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=llm%20ops',
           OTEL_EXPORTER_OTLP_HEADERS: 'x-team=llm,authorization=Bearer%20collector-token' },
  });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const chat = await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mail bob@example.com please' }] });
    const stream = await via.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream' }] });
    let streamUsage = null;
    for await (const c of stream) if (c.usage) streamUsage = c.usage;
    await assert.rejects(via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-status': '429' } }), { status: 429 });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'child' }] }, { headers: { traceparent } });
    assert.equal(await stop(proxy), 0);

    const traces = rx.posts.filter((p) => p.path === '/v1/traces');
    assert.ok(traces.length >= 2, 'the first export got a 503 and was retried');
    assert.ok(traces.every((p) => p.headers['content-type'] === 'application/x-protobuf'));
    assert.ok(rx.posts.every((p) => p.headers['x-team'] === 'llm' && p.headers.authorization === 'Bearer collector-token'));
    const delivered = traces.slice(1).flatMap((p) => decode(p).resourceSpans);
    const resource = attrs(delivered[0].resource.attributes);
    assert.equal(resource['service.name'], 'shop');
    assert.equal(resource['deployment.environment'], 'test');
    assert.equal(resource.team, 'llm ops');
    const spans = delivered.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    assert.equal(spans.length, 4);
    const byModel = (m, i = 0) => spans.filter((s) => attrs(s.attributes)['gen_ai.request.model'] === m)[i];

    const a = byModel('gpt-4o-mini', 0);
    const aa = attrs(a.attributes);
    assert.equal(a.name, 'chat gpt-4o-mini');
    assert.equal(a.kind, 3);  // SPAN_KIND_CLIENT
    assert.equal(aa['gen_ai.operation.name'], 'chat');
    assert.equal(aa['gen_ai.provider.name'], 'openai');
    assert.equal(aa['gen_ai.response.model'], chat.model);
    assert.deepEqual(aa['gen_ai.response.finish_reasons'], ['stop']);
    assert.equal(aa['gen_ai.usage.input_tokens'], chat.usage.prompt_tokens);
    assert.equal(aa['gen_ai.usage.output_tokens'], chat.usage.completion_tokens);
    assert.equal(aa['gen_ai.usage.cache_read.input_tokens'], chat.usage.prompt_tokens_details?.cached_tokens ?? 0);
    assert.equal(aa['server.address'], '127.0.0.1');
    assert.equal(aa['http.response.status_code'], 200);
    assert.ok(aa['llmtap.cost.usd'] > 0);
    assert.ok(a.endTimeUnixNano > a.startTimeUnixNano);
    assert.equal(a.parentSpanId, undefined);
    const input = JSON.parse(aa['gen_ai.input.messages']);
    assert.deepEqual(input, [{ role: 'user', parts: [{ type: 'text', content: 'mail [REDACTED_EMAIL] please' }] }]);
    const output = JSON.parse(aa['gen_ai.output.messages']);
    assert.equal(output[0].parts[0].content, chat.choices[0].message.content);
    assert.equal(output[0].finish_reason, 'stop');

    const s = attrs(byModel('gpt-4o').attributes);
    assert.equal(s['gen_ai.request.stream'], true);
    assert.equal(s['gen_ai.usage.output_tokens'], streamUsage.completion_tokens);
    assert.ok(s['gen_ai.response.time_to_first_chunk'] > 0);

    const err = byModel('gpt-4o-mini', 1);
    assert.equal(err.status.code, 2);  // STATUS_CODE_ERROR
    assert.equal(attrs(err.attributes)['error.type'], 'tokens');  // the 429 body's error.type
    assert.equal(attrs(err.attributes)['http.response.status_code'], 429);

    const child = byModel('gpt-4o-mini', 2);
    assert.equal(hex(child.traceId), '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(hex(child.parentSpanId), '00f067aa0ba902b7');
    assert.notEqual(hex(child.spanId), '00f067aa0ba902b7');
    assert.equal(hex(child.spanId).length, 16);

    const metrics = rx.posts.filter((p) => p.path === '/v1/metrics').map(decode);
    assert.ok(metrics.length >= 1, 'metrics are exported at shutdown');
    const last = metrics.at(-1).resourceMetrics[0].scopeMetrics[0].metrics;
    const metric = (name) => last.find((m) => m.name === name);
    const durations = metric('gen_ai.client.operation.duration');
    assert.equal(durations.unit, 's');
    assert.equal(durations.histogram.aggregationTemporality, 2);  // CUMULATIVE
    assert.equal(durations.histogram.dataPoints.reduce((n, p) => n + p.count, 0), 4);
    assert.deepEqual(durations.histogram.dataPoints[0].explicitBounds, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    const tokens = metric('gen_ai.client.token.usage').histogram.dataPoints;
    const inputSum = tokens.filter((p) => attrs(p.attributes)['gen_ai.token.type'] === 'input').reduce((n, p) => n + p.sum, 0);
    const wantInput = spans.reduce((n, sp) => n + (attrs(sp.attributes)['gen_ai.usage.input_tokens'] ?? 0), 0);
    assert.equal(inputSum, wantInput);
    assert.equal(metric('gen_ai.client.operation.time_to_first_chunk').histogram.dataPoints.reduce((n, p) => n + p.count, 0), 1);

    const logs = rx.posts.filter((p) => p.path === '/v1/logs').flatMap((p) => decode(p).resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords)));
    assert.equal(logs.length, 4);
    assert.ok(logs.every((l) => attrs(l.attributes)['event.name'] === 'gen_ai.client.inference.operation.details'));
    assert.ok(logs.some((l) => hex(l.traceId) === '4bf92f3577b34da6a3ce929d0e0e4736'));

    const everything = Buffer.concat(rx.posts.map((p) => p.body)).toString('latin1');
    assert.ok(!everything.includes(KEY), 'the API key leaked into an OTLP payload');
    assert.ok(!everything.includes('bob@example.com'));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rx.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OTLP http/json: hex ids, integer enums; no content unless enabled; old naming on request', async () => {
  const rx = await collector();
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', LLMTAP_OTLP_SEMCONV: '1.36', LLMTAP_SAMPLES_RATE: '1' },
  });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello json' }] });
    assert.equal(await stop(proxy), 0);
    const t = rx.posts.find((p) => p.path === '/v1/traces');
    assert.equal(t.headers['content-type'], 'application/json');
    const span = JSON.parse(t.body.toString()).resourceSpans[0].scopeSpans[0].spans[0];
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.match(span.spanId, /^[0-9a-f]{16}$/);
    assert.equal(span.kind, 3);
    const a = Object.fromEntries(span.attributes.map((kv) => [kv.key, Object.values(kv.value)[0]]));
    assert.equal(a['gen_ai.system'], 'openai');  // the pre-1.37 name
    assert.equal(a['gen_ai.provider.name'], undefined);
    assert.equal(a['gen_ai.input.messages'], undefined);  // capture_content is off by default
    assert.equal(rx.posts.filter((p) => p.path === '/v1/logs').length, 0);
    assert.ok(!rx.posts.some((p) => p.body.toString().includes('hello json')));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rx.server.close();
  }
});
