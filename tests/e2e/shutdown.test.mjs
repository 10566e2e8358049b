// Graceful shutdown: SIGTERM while a stream is in flight lets it finish, and it is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

test('SIGTERM finishes the in-flight stream, drains the queues into the store, then exits 0', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const stream = await via.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'a slow one' }], stream: true, stream_options: { include_usage: true } },
      { headers: { 'x-mock-chunk-delay-ms': '40', 'x-mock-tokens': '20' } });
    const stopping = stop(proxy);  // SIGTERM now, with ~0.8 s of stream still to come
    let text = '', finish = null, usage = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      if (c.usage) usage = c.usage;
    }
    assert.equal(finish, 'stop');
    assert.equal(usage.completion_tokens, 20);
    assert.equal(await stopping, 0);
    const rows = queryStore(proxy.dataDir, 'select outcome, output_tokens, stream from calls');
    assert.deepEqual(rows, [{ outcome: 'ok', output_tokens: 20, stream: 1 }]);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});
