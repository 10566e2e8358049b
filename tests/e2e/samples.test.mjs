// Sampled prompt/completion logs: Datadog's record format, redacted, to a JSON-lines file and to
// a Datadog-log-intake-shaped receiver (with DD_API_KEY); the OpenAI key and the Datadog key
// appear in no record and no --debug line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop } from './helpers.mjs';

const DD_KEY = 'dd0123456789abcdef0123456789abcd';

function intake() {
  const posts = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      posts.push({ path: req.url, key: req.headers['dd-api-key'], type: req.headers['content-type'], body });
      res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, posts, port: server.address().port })));
}

test('sampled calls are logged in Datadog format, redacted, to a file and the log intake', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-samples-'));
  const file = join(dir, 'samples.jsonl');
  const config = join(dir, 'llmtap.toml');
  const rx = await intake();
  writeFileSync(config, `[samples]\nrate = 1.0\noutput = "${file}"\nlogs_url = "http://127.0.0.1:${rx.port}/api/v2/logs"\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', config, '--debug'], env: { DD_API_KEY: DD_KEY, DD_ENV: 'test', DD_SERVICE: 'svc' } });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const prompt = `Write to ann@example.com about card 4111 1111 1111 1111 and key ${KEY}`;
    const chat = await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: prompt }] });
    const stream = await via.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'stream please' }] });
    let streamed = '';
    for await (const c of stream) streamed += c.choices[0]?.delta?.content ?? '';
    assert.equal(await stop(proxy), 0);

    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    const [a, b] = lines;
    assert.equal(a.message, 'sampled createChatCompletion');
    assert.equal(a.ddsource, 'openai');
    assert.equal(a.service, 'svc');
    assert.equal(a.status, 'info');
    assert.match(a.ddtags, /^env:test,version:,openai\.request\.endpoint:\/v1\/chat\/completions,openai\.request\.method:POST,openai\.request\.model:gpt-4o-mini,openai\.organization\.name:org-mock,openai\.user\.api_key:sk-\.\.\.abcd$/);
    assert.match(a['dd.trace_id'], /^[0-9a-f]{32}$/);
    assert.match(a['dd.span_id'], /^\d+$/);
    assert.equal(a.messages[0].content,
      'Write to [REDACTED_EMAIL] about card [REDACTED_CARD] and key [REDACTED_API_KEY]');
    assert.equal(a.completion[0].message.content, chat.choices[0].message.content);
    assert.equal(b.completion[0].message.content, streamed);  // rebuilt from the stream's deltas
    assert.equal(b.completion[0].finish_reason, 'stop');

    const sent = rx.posts.flatMap((p) => JSON.parse(p.body));
    assert.equal(sent.length, 2);
    assert.ok(rx.posts.every((p) => p.path === '/api/v2/logs' && p.key === DD_KEY && p.type === 'application/json'));
    assert.deepEqual(sent.map((r) => r.message), ['sampled createChatCompletion', 'sampled createChatCompletion']);

    const everything = readFileSync(file, 'utf8') + rx.posts.map((p) => p.body).join('') + proxy.output();
    assert.ok(!everything.includes(KEY), 'the OpenAI key leaked');
    assert.ok(!proxy.output().includes(DD_KEY), 'the Datadog key leaked into the output');
    assert.ok(!everything.includes('ann@example.com'));
    assert.match(proxy.output(), /sample_log: sent 2 logs|sample_log: sent 1 logs/);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rx.server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('samples.rate = 0 logs nothing; a bad redaction pattern is a config error naming it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-samples-'));
  const file = join(dir, 'none.jsonl');
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[samples]\nrate = 0\noutput = "${file}"\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', config] });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    await via.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(await stop(proxy), 0);
    assert.throws(() => readFileSync(file), /ENOENT/);  // the sink is not even built

    writeFileSync(config, `[samples]\nrate = 1\noutput = "${file}"\nredact_patterns = ["(unclosed"]\n`);
    await assert.rejects(startProxy(mock.url, { args: ['--config', config] }),
      /samples\.redact_patterns: redaction pattern "\(unclosed"/);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
