// Datadog APM: the /v0.4/traces payload decoded with @msgpack/msgpack (not written here) and
// checked field by field against what the client sent and saw and what llmtap stored; spans join
// the caller's W3C or Datadog trace; the same span shape as Datadog's own tracer (dd-trace 5.61)
// for the same call; retries, drops counted; prompt text only when sampled, redacted; a planted
// key in no span; `llmtap info`'s "Agent error:" line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';
import { OpenAI4, scriptedCalls, agentStandIn, decodeMsgpack, runDdTraceReference } from './ddtrace/receivers.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const IDENTITY = { DD_SERVICE: 'checkout', DD_ENV: 'e2e', DD_VERSION: '2.0' };

function tempConfig(body) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-apm-'));
  const file = join(dir, 'llmtap.toml');
  writeFileSync(file, body);
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function withProxy(agentUrl, configBody, fn, env = {}) {
  const cfg = tempConfig(configBody);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', cfg.file], env: { ...IDENTITY, DD_TRACE_AGENT_URL: agentUrl, ...env } });
  try {
    return await fn(proxy, mock);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    cfg.cleanup();
  }
}

const u64 = (v) => BigInt(v);  // small ids decode as numbers, large ones as BigInt

test('spans field by field, as children of the caller\'s W3C or Datadog trace', async () => {
  const agent = await agentStandIn();
  const traceparent = { trace: '4bf92f3577b34da6a3ce929d0e0e4736', parent: '00f067aa0ba902b7' };
  const dd = { trace: '1234567890123456789', parent: '987654321', tid: '640cfd8d00000000' };
  const calls = [];
  const wallBefore = BigInt(Date.now() - 1) * 1_000_000n;
  try {
    await withProxy(agent.url, '[datadog]\ntrace_flush_ms = 50\n[samples]\nrate = 0.0\n', async (proxy) => {
      const client = new OpenAI4({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const run = async (name, fn) => {
        const t0 = process.hrtime.bigint();
        try {
          const { data, response } = await fn().withResponse();
          let usage = data.usage;
          if (data[Symbol.asyncIterator]) for await (const c of data) if (c.usage) usage = c.usage;
          calls.push({ name, ok: true, usage, headers: Object.fromEntries(response.headers.entries()), elapsed: process.hrtime.bigint() - t0 });
        } catch (e) {
          calls.push({ name, ok: false, status: e.status, headers: { ...e.headers }, elapsed: process.hrtime.bigint() - t0 });
        }
      };
      const msg = [{ role: 'user', content: 'hello' }];
      await run('root', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: msg }));
      await run('w3c', () => client.chat.completions.create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true }, messages: msg },
        { headers: { traceparent: `00-${traceparent.trace}-${traceparent.parent}-01` } }));
      await run('datadog', () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'x' },
        { headers: { 'x-datadog-trace-id': dd.trace, 'x-datadog-parent-id': dd.parent, 'x-datadog-sampling-priority': '2',
          'x-datadog-tags': `_dd.p.tid=${dd.tid}` } }));
      await run('error', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: msg }, { headers: { 'x-mock-status': '500' } }));
      await run('limited', () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: msg }, { headers: { 'x-mock-status': '429' } }));
      await sleep(300);
      assert.equal(await stop(proxy), 0);
      const wallAfter = BigInt(Date.now() + 1) * 1_000_000n;

      for (const p of agent.posts) {
        assert.equal(p.path, '/v0.4/traces');
        assert.equal(p.headers['content-type'], 'application/msgpack');
        assert.equal(p.headers['datadog-meta-lang'], 'cpp');
        assert.equal(Number(p.headers['x-datadog-trace-count']), decodeMsgpack(p.body).length);
      }
      const spans = agent.spans();
      assert.equal(spans.length, 5);
      assert.equal(new Set(spans.map((s) => String(s.span_id))).size, 5, 'span ids are unique');
      for (const call of calls) {
        const rid = call.headers['x-request-id'];
        const span = spans.find((s) => s.meta['llmtap.request_id'] === rid);
        assert.ok(span, `${call.name}: a span`);
        const [row] = queryStore(proxy.dataDir, `SELECT * FROM calls WHERE request_id = '${rid}'`);
        const failed = !call.ok;
        assert.deepEqual(Object.keys(span).sort(), ['duration', 'error', 'meta', 'metrics', 'name', 'parent_id', 'resource',
          'service', 'span_id', 'start', 'trace_id', 'type']);
        assert.equal(span.name, 'openai.request');
        assert.equal(span.resource, call.name === 'datadog' ? 'createEmbedding' : 'createChatCompletion');
        assert.equal(span.service, 'checkout');
        assert.equal(span.type, 'llm');
        assert.ok(u64(span.start) >= wallBefore && u64(span.start) <= wallAfter, `${call.name}: start ${span.start} is the call's wall clock`);
        assert.equal(u64(span.duration) / 1000n, BigInt(row.duration_us), `${call.name}: duration is the stored one, in ns`);
        // The proxy stamps the last byte when its write returns; on a loaded machine its thread can
        // be descheduled right after the write while the client reads, parses and returns. The
        // check is for units and order of magnitude (an ns/us mix-up is 1000x), not for a race.
        const slack = 5_000_000n;
        assert.ok(u64(span.duration) <= call.elapsed + slack, `${call.name}: within the client's own measure`);
        assert.equal(span.error, failed ? 1 : 0);
        assert.ok(u64(span.span_id) > 0n);

        const m = span.meta;
        assert.equal(m.component, 'openai');
        assert.equal(m['span.kind'], 'client');
        assert.equal(m.env, 'e2e');
        assert.equal(m.version, '2.0');
        assert.equal(m['openai.request.endpoint'], call.name === 'datadog' ? '/v1/embeddings' : '/v1/chat/completions');
        assert.equal(m['openai.request.method'], 'POST');
        assert.equal(m['openai.request.model'], row.model_requested);
        assert.equal(m['openai.user.api_key'], `sk-...${KEY.slice(-4)}`);
        assert.equal(m['openai.organization.name'], call.headers['openai-organization']);
        assert.equal(m['http.status_code'], String(call.ok ? 200 : call.status));
        if (call.ok) assert.equal(m['openai.response.model'], row.model_served);

        const n = span.metrics;
        assert.equal(n['_dd.measured'], 1);
        assert.equal(n['openai.organization.ratelimit.requests.limit'], Number(call.headers['x-ratelimit-limit-requests']));
        assert.equal(n['openai.organization.ratelimit.requests.remaining'], Number(call.headers['x-ratelimit-remaining-requests']));
        assert.equal(n['openai.organization.ratelimit.tokens.limit'], Number(call.headers['x-ratelimit-limit-tokens']));
        assert.equal(n['openai.organization.ratelimit.tokens.remaining'], Number(call.headers['x-ratelimit-remaining-tokens']));
        if (call.ok) {
          assert.equal(n['openai.response.usage.prompt_tokens'], call.usage.prompt_tokens);
          assert.equal(n['openai.response.usage.total_tokens'], call.usage.total_tokens);
          assert.equal(n['openai.request.cost'] * 1e9, row.cost_nano_usd === null ? NaN : row.cost_nano_usd);
        } else {
          assert.ok(!('openai.response.usage.prompt_tokens' in n));
          assert.ok(!('openai.request.cost' in n), 'an unpriced call has no cost, not 0');
        }
        for (const k of Object.keys(m)) assert.ok(!/content|prompt\.|input\./.test(k), `unsampled: no text tag, ${k}`);

        if (call.name === 'w3c') {
          assert.equal(u64(span.trace_id), BigInt(`0x${traceparent.trace.slice(16)}`));
          assert.equal(m['_dd.p.tid'], traceparent.trace.slice(0, 16));
          assert.equal(u64(span.parent_id), BigInt(`0x${traceparent.parent}`));
          assert.ok(!('_dd.top_level' in n), 'a child of the caller\'s span');
          assert.equal(m['openai.request.stream'], 'True');
          assert.equal(n['openai.request.time_to_first_token'] / 1000 | 0, row.first_token_us);
        } else if (call.name === 'datadog') {
          assert.equal(u64(span.trace_id), BigInt(dd.trace));
          assert.equal(u64(span.parent_id), BigInt(dd.parent));
          assert.equal(m['_dd.p.tid'], dd.tid);
          assert.equal(n._sampling_priority_v1, 2);
          assert.ok(!('_dd.top_level' in n));
        } else {
          assert.equal(u64(span.parent_id), 0n, `${call.name}: a root span`);
          assert.equal(n['_dd.top_level'], 1);
          assert.equal(n._sampling_priority_v1, 1);
          // A new 128-bit trace id: Unix seconds in the top 32 bits, as Datadog's tracers make them.
          const secs = parseInt(m['_dd.p.tid'].slice(0, 8), 16);
          assert.ok(Math.abs(secs - Date.now() / 1000) < 120, `${call.name}: _dd.p.tid ${m['_dd.p.tid']}`);
          assert.match(m['_dd.p.tid'], /^[0-9a-f]{8}0{8}$/);
        }
        if (call.name === 'error') {
          assert.equal(m['error.type'], 'openai.InternalServerError');
          assert.match(m['error.message'], /^Error code: 500( - \S+)?/);
        }
        if (call.name === 'limited') {
          assert.equal(m['error.type'], 'openai.RateLimitError');
          assert.match(m['error.message'], /^Error code: 429/);
        }
      }
    });
  } finally {
    agent.close();
  }
});

// Normalizes a decoded value to its msgpack family: ints come back as number or BigInt by size.
const family = (v) => (typeof v === 'bigint' || Number.isInteger(v) ? 'int' : typeof v === 'object' ? 'map' : typeof v);

test("the same span shape as Datadog's own tracer for the same calls", async () => {
  const mock = await startMock();
  const agent = await agentStandIn();
  try {
    const ref = await runDdTraceReference(mock.url, KEY);
    const refSpans = ref.spans.filter((s) => s.name === 'openai.request');
    assert.equal(refSpans.length, 6, 'dd-trace traced each scripted call');
    await withProxy(agent.url, '[datadog]\ntrace_flush_ms = 50\n[samples]\nrate = 0.0\n', async (proxy) => {
      await scriptedCalls(OpenAI4, { baseURL: `${proxy.url}/v1`, apiKey: KEY });
      await sleep(300);
      assert.equal(await stop(proxy), 0);
    });
    const ours = agent.spans();
    assert.equal(ours.length, 6);
    // Calls are made in the same order on both sides; spans are compared pairwise.
    ours.sort((a, b) => (u64(a.start) < u64(b.start) ? -1 : 1));
    refSpans.sort((a, b) => (u64(a.start) < u64(b.start) ? -1 : 1));
    for (let i = 0; i < 6; i++) {
      const [o, r] = [ours[i], refSpans[i]];
      assert.deepEqual(Object.keys(o).sort(), Object.keys(r).sort(), 'the same span fields');
      for (const k of Object.keys(r)) assert.equal(family(o[k]), family(r[k]), `field ${k}`);
      for (const v of Object.values(o.meta)) assert.equal(typeof v, 'string');
      for (const v of Object.values(o.metrics)) assert.equal(typeof v, 'number');
      assert.equal(o.name, r.name);
      assert.equal(o.error, r.error, `span ${i}: error`);
      for (const k of ['component', 'span.kind', 'env', 'openai.request.model', 'openai.request.endpoint', 'openai.request.method',
        'openai.organization.name', 'openai.user.api_key', 'openai.response.model']) {
        // dd-trace leaves some out of error spans (it reads no headers then); llmtap still has them.
        if (k in r.meta) assert.equal(o.meta[k], r.meta[k], `span ${i}: meta ${k}`);
      }
      for (const k of ['_dd.measured', '_dd.top_level', '_sampling_priority_v1']) assert.equal(o.metrics[k], r.metrics[k], `span ${i}: ${k}`);
      if (r.error) for (const k of ['error.type', 'error.message']) assert.ok(k in o.meta, `span ${i}: ${k}`);
      if ('openai.response.usage.prompt_tokens' in r.metrics && !r.metrics['openai.response.usage.prompt_tokens_estimated'] && !r.error)
        assert.equal(o.metrics['openai.response.usage.prompt_tokens'], r.metrics['openai.response.usage.prompt_tokens'], `span ${i}: prompt tokens`);
    }
  } finally {
    agent.close();
    await stop(mock);
  }
});

test('a busy Agent is retried with backoff; a dead one costs counted drops, never the calls', async () => {
  const busy = await agentStandIn({ answers: [503, 503] });
  try {
    await withProxy(busy.url, '[datadog]\ntrace_flush_ms = 50\n', async (proxy) => {
      const client = new OpenAI4({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
      await sleep(1500);
      assert.deepEqual(busy.posts.map((p) => p.status), [503, 503, 200]);
      assert.equal(busy.posts[2].body.compare(busy.posts[0].body), 0, 'the same spans each try');
      const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
      assert.match(metrics, /llmtap_sink_sent_total\{sink="datadog_apm"\} 1\n/);
    });
  } finally {
    busy.close();
  }
  const dead = await agentStandIn({ fallback: 503 });
  try {
    await withProxy(dead.url, '[datadog]\ntrace_flush_ms = 50\ntrace_retries = 1\n', async (proxy) => {
      const client = new OpenAI4({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
      for (let i = 0; i < 3; i++) {
        const r = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
        assert.equal(r.object, 'chat.completion');
      }
      await sleep(1500);
      const metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
      assert.match(metrics, /llmtap_dropped_total\{stage="datadog_apm"\} 3\n/);
      assert.match(metrics, /llmtap_sink_sent_total\{sink="datadog_apm"\} 0\n/);
    });
  } finally {
    dead.close();
  }
});

test('prompt text only when sampled, redacted and cut like the tracer; a planted key in no span', async () => {
  const planted = `sk-proj-PLANTED${'k'.repeat(24)}Zq9x`;
  for (const rate of ['1.0', '0.0']) {
    const agent = await agentStandIn();
    try {
      await withProxy(agent.url, `[datadog]\ntrace_flush_ms = 50\n[samples]\nrate = ${rate}\n`, async (proxy) => {
        const client = new OpenAI4({ baseURL: `${proxy.url}/v1`, apiKey: planted, maxRetries: 0 });
        const chat = await client.chat.completions.create({ model: 'gpt-4o-mini',
          messages: [{ role: 'system', content: 'Be brief.\nVery.' }, { role: 'user', content: `my key is ${planted}` }] });
        await sleep(300);
        assert.equal(await stop(proxy), 0);
        for (const p of agent.posts) assert.ok(!p.body.toString('latin1').includes('PLANTED'), 'the key reached a span');
        const [span] = agent.spans();
        assert.equal(span.meta['openai.user.api_key'], 'sk-...Zq9x');
        const text = Object.keys(span.meta).filter((k) => k.includes('content'));
        if (rate === '0.0') {
          assert.deepEqual(text, []);
          return;
        }
        assert.equal(span.meta['openai.request.messages.0.content'], 'Be brief.\\nVery.');
        assert.equal(span.meta['openai.request.messages.0.role'], 'system');
        assert.equal(span.meta['openai.request.messages.1.content'], 'my key is [REDACTED_API_KEY]');
        const answer = chat.choices[0].message.content.replaceAll('\n', '\\n');
        const cut = [...answer].length > 128 ? `${[...answer].slice(0, 128).join('')}...` : answer;
        assert.equal(span.meta['openai.response.choices.0.message.content'], cut);
      });
    } finally {
      agent.close();
    }
  }
});

test('info: "Agent error: None" from the Agent\'s /info, the error otherwise', async () => {
  const agent = await agentStandIn();
  const gone = await agentStandIn();
  gone.close();
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-apm-info-'));
  // Asynchronously: the stand-in Agent answers from this process's event loop.
  const info = (url) => new Promise((resolve) => execFile(BIN, ['info', '--data-dir', dir],
    { encoding: 'utf8', timeout: 60000, env: { ...process.env, DD_TRACE_AGENT_URL: url } },
    (err, stdout) => resolve({ status: err ? err.code : 0, stdout })));
  try {
    const ok = await info(agent.url);
    assert.match(ok.stdout, /datadog_apm +http:\/\/127\.0\.0\.1:\d+\/v0\.4\/traces +ok: Datadog Agent 7\.99\.0-standin at http:\/\/127\.0\.0\.1:\d+ \(from \/info\)/);
    assert.match(ok.stdout, /\n  Agent error: None\n/);
    assert.deepEqual(agent.infoHits, ['/info']);
    const bad = await info(gone.url);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /\n  Agent error: http:\/\/127\.0\.0\.1:\d+\/info: .*(refused|connect)/i);
  } finally {
    agent.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
