// The include_usage rewrite: a streamed call that did not ask for usage gets exactly the events
// it would get without llmtap (no usage chunk), and the store still gets the exact usage.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

async function collect(stream, textOf) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return {
    text: chunks.map(textOf).join(''),
    finish: chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean),
    count: chunks.length,
    usageChunks: chunks.filter((c) => c.usage || c.choices.length === 0).length,
  };
}

const chatText = (c) => c.choices[0]?.delta?.content ?? '';
const completionText = (c) => c.choices[0]?.text ?? '';

test('streams that did not ask for usage: same events as direct, exact usage stored', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  try {
    const direct = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: KEY });
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY });
    const chatReq = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Count to five for me.' }], stream: true };
    const a = await collect(await direct.chat.completions.create(chatReq), chatText);
    const b = await collect(await via.chat.completions.create(chatReq), chatText);
    assert.ok(a.text.length > 0);
    assert.equal(b.text, a.text);
    assert.deepEqual(b.finish, a.finish);
    assert.equal(b.count, a.count);
    assert.equal(a.usageChunks, 0);
    assert.equal(b.usageChunks, 0, 'the client gets no usage chunk it did not ask for');

    const compReq = { model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon a time', stream: true, max_tokens: 20 };
    const ca = await collect(await direct.completions.create(compReq), completionText);
    const cb = await collect(await via.completions.create(compReq), completionText);
    assert.equal(cb.text, ca.text);
    assert.equal(cb.count, ca.count);
    assert.equal(cb.usageChunks, 0);

    // What the upstream reports when usage is asked for: the numbers the store must hold.
    let expected = null;
    for await (const c of await direct.chat.completions.create({ ...chatReq, stream_options: { include_usage: true } }))
      if (c.usage) expected = c.usage;

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      'select endpoint, include_usage_requested, input_tokens, output_tokens, total_tokens, usage_source, finish_reason, outcome from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      endpoint: 'chat.completions', include_usage_requested: 0, input_tokens: expected.prompt_tokens,
      output_tokens: expected.completion_tokens, total_tokens: expected.total_tokens, usage_source: 'reported',
      finish_reason: 'stop', outcome: 'ok',
    });
    assert.equal(rows[1].endpoint, 'completions');
    assert.equal(rows[1].usage_source, 'reported');
    assert.ok(rows[1].output_tokens > 0);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

test('with the rewrite switched off the stream is relayed untouched and has no usage', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { env: { LLMTAP_PROXY_INJECT_INCLUDE_USAGE: 'false' } });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY });
    const r = await collect(await via.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true }), chatText);
    assert.equal(r.usageChunks, 0);
    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select input_tokens, usage_source, include_usage_requested, outcome from calls');
    // Nothing asked the upstream for usage, so none was reported: llmtap counted it itself.
    assert.equal(rows.length, 1);
    assert.equal(rows[0].usage_source, 'estimated');
    assert.equal(rows[0].include_usage_requested, 0);
    assert.equal(rows[0].outcome, 'ok');
    assert.ok(rows[0].input_tokens > 0);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

test('a stream that asked for usage is relayed as is, and its request facts are stored', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  try {
    const direct = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: KEY });
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY });
    const req = {
      model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Count to five for me.' }],
      stream: true, stream_options: { include_usage: true },
    };
    const a = await collect(await direct.chat.completions.create(req), chatText);
    const b = await collect(await via.chat.completions.create(req), chatText);
    assert.equal(b.text, a.text);
    assert.equal(b.count, a.count);
    assert.equal(a.usageChunks, 1);
    assert.equal(b.usageChunks, 1, 'the usage chunk the client asked for reaches it');
    // Not streamed: the same facts, read by the worker too.
    const plain = await via.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(plain.usage.total_tokens > 0);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      'select model_requested, stream, stream_requested, include_usage_requested, usage_source, outcome from calls order by ts_unix_ms, id');
    assert.deepEqual(rows, [
      { model_requested: 'gpt-4o-mini', stream: 1, stream_requested: 1, include_usage_requested: 1, usage_source: 'reported', outcome: 'ok' },
      { model_requested: 'gpt-4o', stream: 0, stream_requested: 0, include_usage_requested: 0, usage_source: 'reported', outcome: 'ok' },
    ]);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

// The rewrite's two ways in: a body without stream_options (the member goes before the closing
// brace) and one whose stream_options lacks include_usage or says false (the top-level scan
// completes it). Written by hand, pretty-printed, as a client other than the SDKs may send them.
test('bodies with and without stream_options, pretty-printed: usage stored, none relayed', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  const messages = '[{"role": "user", "content": "Say \\"stream_options\\": {} please."}]';
  const bodies = [
    `{\n  "model": "gpt-4o-mini",\n  "messages": ${messages},\n  "stream": true\n}\n`,
    `{\n  "model": "gpt-4o-mini",\n  "stream_options": {"include_obfuscation": false},\n  "messages": ${messages},\n  "stream": true\n}`,
    `{"model": "gpt-4o-mini", "stream": true, "messages": ${messages}, "stream_options": {"include_usage": false}}`,
  ];
  try {
    for (const body of bodies) {
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body,
      });
      assert.equal(res.status, 200, body);
      const text = await res.text();
      assert.match(text, /data: \[DONE\]/, body);
      assert.doesNotMatch(text, /"usage":\{/, `no usage event reaches a client that did not ask: ${body}`);
    }
    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      'select include_usage_requested, usage_source, outcome, input_tokens > 0 as counted from calls order by ts_unix_ms, id');
    assert.deepEqual(rows, bodies.map(() => ({ include_usage_requested: 0, usage_source: 'reported', outcome: 'ok', counted: 1 })));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});
