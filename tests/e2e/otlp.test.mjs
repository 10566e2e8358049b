// OTLP/HTTP: a collector-shaped receiver on 127.0.0.1 decodes llmtap's protobuf payloads with
// protobufjs and the published OTLP .proto files, and the test checks every span attribute
// against what the official OpenAI SDK received; then metrics on their interval, content logs,
// the caller's traceparent (sampled and not), headers, resource, retries, OTLP/JSON with the
// pre-1.37 names, `info`'s live check, a dead collector, config errors, and that neither the
// API key nor the collector's header secret leaks anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { BIN, KEY, startMock, startProxy, stop } from './helpers.mjs';
import { collector, decode, attrs, hex, spansOf, logsOf } from './otlp/collector.mjs';

const SECRET = 'collector-token-0000-secret';
const PLANTED = 'sk-proj-PLANTEDkey0123456789abcdefXYZ';
const waitFor = async (cond, ms = 5000) => {
  for (const end = Date.now() + ms; Date.now() < end && !cond();) await new Promise((r) => setTimeout(r, 20));
};
function configFile(text) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-otlp-'));
  writeFileSync(join(dir, 'llmtap.toml'), text);
  return { path: join(dir, 'llmtap.toml'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test('OTLP protobuf: every GenAI attribute, metrics on the interval, content logs, the caller\'s trace', async () => {
  const rx = await collector({ failFirst: ['/v1/traces'] });
  const cfg = configFile(`[otlp]\nendpoint = "${rx.url}"\ncapture_content = true\n\n[samples]\nrate = 1.0\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    args: ['--config', cfg.path],
    env: { OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_SERVICE_NAME: 'shop', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=llm%20ops',
           OTEL_EXPORTER_OTLP_HEADERS: `x-team=llm,authorization=Bearer%20${SECRET}` },
  });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const chat = await via.chat.completions.create({
      model: 'gpt-4o-mini', temperature: 0.3, top_p: 0.9, max_tokens: 40, seed: 42, stop: ['END'],
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: `mail bob@example.com, my key is ${PLANTED}` }] });
    const stream = await via.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream' }] });
    let streamed = '', streamUsage = null, streamId = null;
    for await (const c of stream) {
      streamId ??= c.id;
      streamed += c.choices[0]?.delta?.content ?? '';
      if (c.usage) streamUsage = c.usage;
    }
    await assert.rejects(via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] },
      { headers: { 'x-mock-status': '429' } }), { status: 429 });
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'child' }] }, { headers: { traceparent: parent } });
    const unsampled = '00-11111111111111111111111111111111-2222222222222222-00';
    await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'not sampled' }] }, { headers: { traceparent: unsampled } });
    const resp = await via.responses.create({ model: 'gpt-4o-mini', instructions: 'be brief', input: 'hello responses' });
    // Metrics arrive on their interval, before shutdown.
    await waitFor(() => rx.at('/v1/metrics').length > 0 && rx.at('/v1/traces').length >= 2);
    assert.ok(rx.at('/v1/metrics').length >= 1, 'a metrics export within the interval');
    assert.equal(await stop(proxy), 0);

    const traces = rx.at('/v1/traces');
    assert.ok(traces.length >= 2, 'the first export got a 503 and was retried');
    assert.deepEqual(traces[0].body, traces[1].body, 'the retry sends the same request');
    for (const p of rx.posts) {
      assert.equal(p.headers['content-type'], 'application/x-protobuf');
      assert.equal(p.headers['x-team'], 'llm');
      assert.equal(p.headers.authorization, `Bearer ${SECRET}`);
    }
    const requests = traces.slice(1).map(decode);
    const resource = attrs(requests[0].resourceSpans[0].resource.attributes);
    assert.deepEqual(resource, { 'service.name': 'shop', 'telemetry.sdk.name': 'llmtap', 'telemetry.sdk.language': 'cpp',
      'telemetry.sdk.version': resource['telemetry.sdk.version'], 'deployment.environment': 'test', team: 'llm ops' });
    assert.equal(requests[0].resourceSpans[0].scopeSpans[0].scope.name, 'llmtap');
    assert.equal(requests[0].resourceSpans[0].scopeSpans[0].schemaUrl, 'https://opentelemetry.io/schemas/1.41.0');
    const spans = spansOf(requests);
    assert.equal(spans.length, 5, 'one span per call, none for the unsampled caller');
    const byId = (id) => spans.find((s) => attrs(s.attributes)['gen_ai.response.id'] === id);
    const port = Number(new URL(mock.url).port);

    // The plain chat: every attribute, with the value the SDK saw.
    const a = byId(chat.id);
    const aa = attrs(a.attributes);
    assert.equal(a.name, 'chat gpt-4o-mini');
    assert.equal(a.kind, 3);  // SPAN_KIND_CLIENT
    assert.equal(a.parentSpanId, undefined);
    assert.equal(a.flags, 0x101);  // sampled, has is_remote, local root
    assert.ok(a.endTimeUnixNano > a.startTimeUnixNano);
    assert.ok(Math.abs(a.startTimeUnixNano / 1e6 - Date.now()) < 60_000);
    const input = [{ role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'mail [REDACTED_EMAIL], my key is [REDACTED_API_KEY]' }] }];
    const output = [{ role: 'assistant', parts: [{ type: 'text', content: chat.choices[0].message.content }], finish_reason: 'stop' }];
    assert.deepEqual({ ...aa, 'gen_ai.input.messages': JSON.parse(aa['gen_ai.input.messages']),
      'gen_ai.output.messages': JSON.parse(aa['gen_ai.output.messages']), 'llmtap.cost.usd': undefined, 'llmtap.overhead': undefined }, {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 40, 'gen_ai.request.temperature': 0.3, 'gen_ai.request.top_p': 0.9, 'gen_ai.request.seed': 42,
      'gen_ai.request.stop_sequences': ['END'], 'gen_ai.response.id': chat.id, 'gen_ai.response.model': chat.model,
      'gen_ai.response.finish_reasons': [chat.choices[0].finish_reason],
      'gen_ai.usage.input_tokens': chat.usage.prompt_tokens, 'gen_ai.usage.output_tokens': chat.usage.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': chat.usage.prompt_tokens_details.cached_tokens,
      'gen_ai.usage.reasoning.output_tokens': chat.usage.completion_tokens_details.reasoning_tokens,
      'openai.api.type': 'chat_completions', 'openai.response.service_tier': chat.service_tier,
      'openai.response.system_fingerprint': chat.system_fingerprint, 'server.address': '127.0.0.1', 'server.port': port,
      'http.response.status_code': 200, 'llmtap.upstream.request_id': chat._request_id, 'llmtap.api_key': 'sk-...abcd',
      'gen_ai.input.messages': input, 'gen_ai.output.messages': output, 'llmtap.cost.usd': undefined, 'llmtap.overhead': undefined });
    assert.ok(aa['llmtap.cost.usd'] > 0);
    assert.ok(aa['llmtap.overhead'] >= 0 && aa['llmtap.overhead'] < 1);

    // The stream: its own attributes, and the usage the client saw.
    const s = attrs(byId(streamId).attributes);
    assert.equal(byId(streamId).name, 'chat gpt-4o');
    assert.equal(s['gen_ai.request.stream'], true);
    assert.equal(s['gen_ai.usage.input_tokens'], streamUsage.prompt_tokens);
    assert.equal(s['gen_ai.usage.output_tokens'], streamUsage.completion_tokens);
    assert.ok(s['gen_ai.response.time_to_first_chunk'] > 0 && s['gen_ai.response.time_to_first_chunk'] < 5);
    assert.equal(JSON.parse(s['gen_ai.output.messages'])[0].parts[0].content, streamed);

    // The error: status ERROR and the body's error type.
    const err = spans.find((sp) => attrs(sp.attributes)['http.response.status_code'] === 429);
    assert.equal(err.status.code, 2);  // STATUS_CODE_ERROR
    assert.equal(attrs(err.attributes)['error.type'], 'tokens');
    assert.equal(attrs(err.attributes)['gen_ai.response.id'], undefined);

    // The caller's traceparent: same trace, parent = the caller's span, a new span id.
    const child = spans.find((sp) => hex(sp.traceId) === '4bf92f3577b34da6a3ce929d0e0e4736');
    assert.equal(hex(child.parentSpanId), '00f067aa0ba902b7');
    assert.match(hex(child.spanId), /^[0-9a-f]{16}$/);
    assert.notEqual(hex(child.spanId), '00f067aa0ba902b7');
    assert.equal(child.flags, 0x301);  // sampled, remote parent
    assert.ok(!spans.some((sp) => hex(sp.traceId) === '11111111111111111111111111111111'));

    // Responses: chat, told apart by openai.api.type, one assistant message.
    const r = attrs(byId(resp.id).attributes);
    assert.equal(r['gen_ai.operation.name'], 'chat');
    assert.equal(r['openai.api.type'], 'responses');
    assert.equal(r['gen_ai.usage.output_tokens'], resp.usage.output_tokens);
    assert.deepEqual(JSON.parse(r['gen_ai.input.messages']), [{ role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
      { role: 'user', parts: [{ type: 'text', content: 'hello responses' }] }]);
    assert.deepEqual(JSON.parse(r['gen_ai.output.messages']),
      [{ role: 'assistant', parts: [{ type: 'text', content: resp.output_text }], finish_reason: 'stop' }]);

    // Metrics: cumulative histograms over all six calls (the unsampled caller's too).
    const last = decode(rx.at('/v1/metrics').at(-1)).resourceMetrics[0].scopeMetrics[0];
    assert.equal(last.schemaUrl, 'https://opentelemetry.io/schemas/1.41.0');
    const metric = (name) => last.metrics.find((m) => m.name === name);
    const durations = metric('gen_ai.client.operation.duration');
    assert.equal(durations.unit, 's');
    assert.equal(durations.histogram.aggregationTemporality, 2);  // CUMULATIVE
    assert.equal(durations.histogram.dataPoints.reduce((n, p) => n + p.count, 0), 6);
    assert.deepEqual(durations.histogram.dataPoints[0].explicitBounds, [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
    const failed = durations.histogram.dataPoints.find((p) => attrs(p.attributes)['error.type'] === 'tokens');
    assert.equal(failed.count, 1);
    assert.deepEqual(attrs(failed.attributes), { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini', 'server.address': '127.0.0.1', 'server.port': port, 'error.type': 'tokens' });
    const tokens = metric('gen_ai.client.token.usage');
    assert.equal(tokens.unit, '{token}');
    const sum = (type) => tokens.histogram.dataPoints.filter((p) => attrs(p.attributes)['gen_ai.token.type'] === type).reduce((n, p) => n + p.sum, 0);
    const spanSum = (k) => spans.reduce((n, sp) => n + (attrs(sp.attributes)[k] ?? 0), 0);
    const unsampledTokens = sum('input') - spanSum('gen_ai.usage.input_tokens');
    assert.ok(unsampledTokens > 0, 'the unsampled call is in the metrics');
    assert.equal(metric('gen_ai.client.operation.time_to_first_chunk').histogram.dataPoints.reduce((n, p) => n + p.count, 0), 1);
    assert.ok(metric('llmtap.client.token.usage.detail').histogram.dataPoints.every((p) =>
      ['cache_read', 'reasoning'].includes(attrs(p.attributes)['gen_ai.token.type'])));

    // Content logs: one details event per sampled call, on the call's trace and span.
    const logs = logsOf(rx.at('/v1/logs').map(decode));
    assert.equal(logs.length, 5, 'chat, stream, error, child and Responses');
    for (const l of logs) {
      assert.equal(l.eventName, 'gen_ai.client.inference.operation.details');
      assert.equal(attrs(l.attributes)['event.name'], 'gen_ai.client.inference.operation.details');
      assert.ok(spans.some((sp) => sp.spanId === l.spanId && sp.traceId === l.traceId));
    }
    const chatLog = attrs(logs.find((l) => l.spanId === a.spanId).attributes);
    assert.deepEqual(JSON.parse(chatLog['gen_ai.input.messages']), input);
    const errLog = attrs(logs.find((l) => l.spanId === err.spanId).attributes);  // what was asked, no answer
    assert.deepEqual(JSON.parse(errLog['gen_ai.input.messages']), [{ role: 'user', parts: [{ type: 'text', content: 'x' }] }]);
    assert.equal(errLog['gen_ai.output.messages'], undefined);

    // Nothing secret anywhere: not the API key, not the planted one, not the collector's token.
    const everything = Buffer.concat(rx.posts.map((p) => p.body)).toString('latin1');
    for (const secret of [KEY, PLANTED, 'bob@example.com', SECRET]) assert.ok(!everything.includes(secret), secret);
    assert.ok(!proxy.output().includes(SECRET), 'the collector header is never printed');
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    cfg.cleanup();
    await rx.close();
  }
});

test('OTLP http/json with the pre-1.37 names: hex ids, integer enums, per-message content events', async () => {
  const rx = await collector();
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', LLMTAP_OTLP_SEMCONV: '1.36',
           LLMTAP_OTLP_CAPTURE_CONTENT: 'true', LLMTAP_SAMPLES_RATE: '1', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' },
  });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const chat = await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello json' }] });
    assert.equal(await stop(proxy), 0);
    const t = rx.at('/v1/traces')[0];
    assert.equal(t.headers['content-type'], 'application/json');
    const body = JSON.parse(t.body.toString());
    const rs = body.resourceSpans[0];
    assert.equal(rs.resource.attributes.find((kv) => kv.key === 'service.name').value.stringValue, 'from-attrs');
    assert.equal(rs.scopeSpans[0].schemaUrl, 'https://opentelemetry.io/schemas/1.36.0');
    const span = rs.scopeSpans[0].spans[0];
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.match(span.spanId, /^[0-9a-f]{16}$/);
    assert.equal(span.kind, 3);
    assert.equal(span.flags, 0x101);
    const a = attrs(span.attributes);
    assert.equal(a['gen_ai.system'], 'openai');
    assert.equal(a['gen_ai.openai.response.system_fingerprint'], chat.system_fingerprint);
    assert.equal(a['gen_ai.usage.input_tokens'], chat.usage.prompt_tokens);  // int64 sent as a JSON string
    for (const later of ['gen_ai.provider.name', 'openai.api.type', 'gen_ai.usage.cache_read.input_tokens', 'gen_ai.input.messages'])
      assert.equal(a[later], undefined, later);

    const records = JSON.parse(rx.at('/v1/logs')[0].body.toString()).resourceLogs[0].scopeLogs[0].logRecords;
    assert.deepEqual(records.map((l) => l.eventName), ['gen_ai.user.message', 'gen_ai.choice']);
    assert.ok(records.every((l) => l.traceId === span.traceId && l.spanId === span.spanId));
    assert.deepEqual(attrs(records[0].body.kvlistValue.values), { content: 'hello json' });
    assert.deepEqual(attrs(records[1].body.kvlistValue.values),
      { index: 0, finish_reason: 'stop', message: { content: chat.choices[0].message.content } });
    assert.equal(attrs(records[1].attributes)['gen_ai.system'], 'openai');

    const m = JSON.parse(rx.at('/v1/metrics')[0].body.toString()).resourceMetrics[0].scopeMetrics[0].metrics;
    assert.deepEqual(m.map((x) => x.name).sort(), ['gen_ai.client.operation.duration', 'gen_ai.client.token.usage', 'llmtap.client.token.usage.detail']);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    await rx.close();
  }
});

test('OTLP: a dead collector costs nothing and its drops are counted; info checks it live; bad settings are refused', async () => {
  const rx = await collector();
  const deadUrl = rx.url;
  await rx.close();  // nothing listens there now
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { env: { OTEL_EXPORTER_OTLP_ENDPOINT: deadUrl } });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: `call ${i}` }] });
    assert.ok(Date.now() - t0 < 3000, 'calls are not slowed by the dead collector');
    let text = '';
    for (const end = Date.now() + 10000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      text = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
      if (/llmtap_dropped_total\{stage="otlp"\} 3/.test(text)) break;
    }
    assert.match(text, /llmtap_dropped_total\{stage="otlp"\} 3/);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }

  const live = await collector();
  try {
    // Not spawnSync: the collector answers from this process's event loop.
    const info = await promisify(execFile)(BIN, ['info', '--upstream', mock.url], { env: { ...process.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: live.url, OTEL_EXPORTER_OTLP_HEADERS: `authorization=${SECRET}` } })
      .catch((e) => e);  // exit 1: the stopped mock fails its own check
    assert.match(info.stdout, /otlp\s+http:\/\/127\.0\.0\.1:\d+\s+ok: an empty export to .*\/v1\/traces was accepted \(HTTP 200\)/);
    assert.ok(!info.stdout.includes(SECRET) && !info.stderr.includes(SECRET));
    assert.equal(live.at('/v1/traces').length, 1);
    assert.equal(live.at('/v1/traces')[0].body.length, 0, 'an empty ExportTraceServiceRequest');
  } finally {
    await live.close();
  }

  for (const [env, word] of [[{ LLMTAP_OTLP_SEMCONV: '1.30' }, 'LLMTAP_OTLP_SEMCONV must be one of 1.36, 1.37, 1.38, 1.39, 1.40, 1.41, latest'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be one of http/protobuf, http/json']]) {
    const r = spawnSync(BIN, ['serve', '--listen', '127.0.0.1:0', '--upstream', 'http://127.0.0.1:9'], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', ...env }, encoding: 'utf8', timeout: 10000 });
    assert.notEqual(r.status, 0);
    assert.ok((r.stderr + r.stdout).includes(word), r.stderr + r.stdout);
  }
});
