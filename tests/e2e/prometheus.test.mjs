// /metrics as a real Prometheus server sees it: Debian's prometheus scrapes llmtap's admin port
// every second, and PromQL over its HTTP API returns the calls the official SDK made and the
// tokens it was told about. promtool (the same package) checks and lints the whole exposition.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { KEY, start, startMock, startProxy, stop } from './helpers.mjs';
import { startPrometheus } from './servers/prometheus.mjs';

function configFile(text) {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-prom-'));
  const file = join(dir, 'llmtap.toml');
  writeFileSync(file, text);
  return { dir, file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

async function metricsText(proxy) {
  return (await fetch(`${proxy.adminUrl}/metrics`)).text();
}

// Polls until `probe()` is true (the pipeline and the scrapes are asynchronous).
async function eventually(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = await probe();
    if (last === true) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeoutMs} ms`);
}

test('Prometheus scrapes llmtap: PromQL returns the request count and the token sums', { timeout: 120000 }, async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { env: { DD_SERVICE: 'checkout', DD_ENV: 'e2e' } });
  const admin = new URL(proxy.adminUrl).host;
  const prom = await startPrometheus([admin]);
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const usages = [];
    for (const content of ['first question', 'second, longer question about the metrics']) {
      const r = await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
      usages.push(r.usage);
    }
    // A stream without include_usage: llmtap asks for the usage chunk and hides it from the client.
    let streamed = '';
    const stream = await via.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream' }] });
    for await (const c of stream) streamed += c.choices[0]?.delta?.content ?? '';
    assert.ok(streamed.length > 0);
    const emb = await via.embeddings.create({ model: 'text-embedding-3-small', input: 'count my tokens' });
    usages.push({ prompt_tokens: emb.usage.prompt_tokens, completion_tokens: 0 });
    const limited = await via.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too many' }] }, { headers: { 'x-mock-status': '429' } })
      .catch((e) => e);
    assert.equal(limited.status, 429);

    // The stream's usage is what the store recorded for it (the client never saw the chunk).
    await eventually('llmtap counted 5 calls', async () => /llmtap_pipeline_processed_total 5\n/.test(await metricsText(proxy)));
    const streamTokens = (await metricsText(proxy)).match(
      /^llmtap_tokens_total\{model="gpt-4o",endpoint="chat\.completions",provider="openai",service="checkout",env="e2e",status_class="2xx",type="(input|output)"\} (\d+)$/gm);
    assert.equal(streamTokens.length, 2);
    const streamIn = Number(streamTokens.find((l) => l.includes('"input"')).split(' ').pop());
    const streamOut = Number(streamTokens.find((l) => l.includes('"output"')).split(' ').pop());
    assert.ok(streamIn > 0 && streamOut > 0);

    await eventually('Prometheus scraped all 5 calls', async () => (await prom.value('sum(llmtap_requests_total)')) === 5);
    assert.equal(await prom.value('up{job="llmtap"}'), 1);
    const wantIn = usages.reduce((s, u) => s + u.prompt_tokens, 0) + streamIn;
    const wantOut = usages.reduce((s, u) => s + u.completion_tokens, 0) + streamOut;
    assert.equal(await prom.value('sum(llmtap_tokens_total{type="input"})'), wantIn);
    assert.equal(await prom.value('sum(llmtap_tokens_total{type="output"})'), wantOut);
    assert.equal(await prom.value(
      'llmtap_requests_total{model="gpt-4o-mini",endpoint="chat.completions",provider="openai",service="checkout",env="e2e",status_class="2xx"}'), 2);
    assert.equal(await prom.value('sum by (endpoint) (llmtap_requests_total{endpoint="embeddings"})'), 1);
    assert.equal(await prom.value('sum(llmtap_request_duration_seconds_count)'), 5);
    assert.equal(await prom.value('sum(llmtap_time_to_first_token_seconds_count)'), 1);  // streams only
    assert.equal(await prom.value('sum(llmtap_overhead_seconds_count)'), 5);
    assert.ok((await prom.value('sum(llmtap_cost_usd_total)')) > 0);

    const errors = await prom.query('llmtap_errors_total');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].metric.status_class, '4xx');
    assert.equal(errors[0].metric.error_type, limited.type ?? '429');  // OpenAI's error.type
    assert.equal(errors[0].value[1], '1');
    const remaining = await prom.query('llmtap_ratelimit_remaining{kind="requests"}');
    assert.ok(remaining.length >= 1 && remaining.every((s) => Number(s.value[1]) >= 0));

    // The whole exposition passes promtool's checks and lint, and carries no key.
    const text = await metricsText(proxy);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.equal(check.stdout + check.stderr, '');
    assert.ok(!text.includes('sk-'), 'no API key label unless prometheus.api_key_label is set');
    assert.ok(!text.includes(KEY));
  } finally {
    await prom.stop();
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

test('api_key label when enabled, label allow-list, series cap with its overflow counter', async () => {
  const cfg = configFile('[prometheus]\nlabels = ["model", "status_class"]\napi_key_label = true\nmax_series = 2\n');
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', cfg.file] });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    for (const model of ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'gpt-4o-mini'])
      await via.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
    await eventually('4 calls processed', async () => /llmtap_pipeline_processed_total 4\n/.test(await metricsText(proxy)));
    const text = await metricsText(proxy);
    assert.match(text, /^llmtap_requests_total\{model="gpt-4o-mini",status_class="2xx",api_key="sk-\.\.\.abcd"\} 2$/m);
    assert.match(text, /^llmtap_requests_total\{model="gpt-4o",status_class="2xx",api_key="sk-\.\.\.abcd"\} 1$/m);
    assert.doesNotMatch(text, /model="gpt-4\.1-mini"/);  // a third label set: over the cap
    assert.match(text, /^llmtap_metrics_series_overflow_total\{group="calls"\} 1$/m);
    assert.match(text, /^llmtap_dropped_total\{stage="prometheus"\} 1$/m);
    assert.doesNotMatch(text, /endpoint="/);  // not in the allow-list
    assert.ok(!text.includes(KEY));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    cfg.cleanup();
  }
});

test('an unknown label or user_label is a clear config error', async () => {
  for (const [toml, message] of [
    ['[prometheus]\nlabels = ["model", "tenant"]\n', /prometheus\.labels: unknown label "tenant" \(known: model, endpoint/],
    ['[prometheus]\nuser_label = true\n', /prometheus\.user_label: llmtap does not capture a caller's user id yet/],
  ]) {
    const cfg = configFile(toml);
    try {
      await assert.rejects(start(['serve', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0',
        '--data-dir', cfg.dir, '--config', cfg.file]), message);
    } finally {
      cfg.cleanup();
    }
  }
});
