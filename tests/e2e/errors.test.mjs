// Upstream errors reach the client unchanged and are recorded; a cut stream is recorded as such
// and the proxy keeps serving; an upstream that is down gives a 502 with a JSON error body.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

const chatReq = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] };

async function errorOf(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail('expected an error');
}

test('429 and 500 reach the client unchanged, a cut stream is recorded, the proxy keeps serving', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  try {
    const direct = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    for (const status of ['429', '500']) {
      const opts = { headers: { 'x-mock-status': status } };
      const ea = await errorOf(direct.chat.completions.create(chatReq, opts));
      const eb = await errorOf(via.chat.completions.create(chatReq, opts));
      assert.equal(eb.status, Number(status));
      assert.equal(eb.status, ea.status);
      assert.deepEqual(eb.error, ea.error);
      assert.equal(eb.type, ea.type);
      assert.equal(eb.code, ea.code);
      if (status === '429') assert.ok(eb.headers.get('retry-after'));
    }

    const cut = await errorOf((async () => {
      const s = await via.chat.completions.create({ ...chatReq, stream: true },
                                                  { headers: { 'x-mock-disconnect-after': '3', 'x-mock-tokens': '40' } });
      for await (const _ of s) { /* drain */ }
    })());
    assert.ok(cut instanceof Error);

    const ok = await via.chat.completions.create(chatReq);
    assert.equal(ok.choices[0].finish_reason, 'stop');

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select status, error_type, error_code, outcome, stream, endpoint from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 4);
    assert.deepEqual(rows[0], { status: 429, error_type: 'tokens', error_code: 'rate_limit_exceeded', outcome: 'ok', stream: 0, endpoint: 'chat.completions' });
    assert.equal(rows[1].status, 500);
    assert.equal(rows[1].error_type, 'server_error');
    assert.equal(rows[2].status, 200);
    assert.equal(rows[2].stream, 1);
    assert.equal(rows[2].outcome, 'upstream_disconnected');
    // The cut stream never reached its usage chunk: usage is estimated from what was sent.
    const est = queryStore(proxy.dataDir, "select input_tokens, output_tokens, usage_source from calls where outcome = 'upstream_disconnected'")[0];
    assert.equal(est.usage_source, 'estimated');
    assert.ok(est.input_tokens > 0 && est.output_tokens > 0, JSON.stringify(est));
    assert.equal(rows[3].status, 200);
    assert.equal(rows[3].outcome, 'ok');
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

test('an upstream that is down gives a 502 with an OpenAI-style JSON body', async () => {
  // A port that was free a moment ago: nothing listens there.
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  const proxy = await startProxy(`http://127.0.0.1:${port}`);
  try {
    const res = await fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(chatReq),
    });
    assert.equal(res.status, 502);
    assert.match(res.headers.get('content-type'), /application\/json/);
    const body = await res.json();
    assert.equal(body.error.code, 'upstream_unreachable');
    assert.equal(body.error.type, 'upstream_error');
    assert.match(body.error.message, /connect/i);

    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const e = await errorOf(via.chat.completions.create(chatReq));
    assert.equal(e.status, 502);
    assert.equal(e.code, 'upstream_unreachable');

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select status, outcome from calls');
    assert.deepEqual(rows, [{ status: 502, outcome: 'upstream_unreachable' }, { status: 502, outcome: 'upstream_unreachable' }]);
  } finally {
    await stop(proxy);
    proxy.cleanup();
  }
});
