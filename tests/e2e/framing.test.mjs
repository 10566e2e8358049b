// The relay must not depend on how the upstream's bytes are split into reads. A raw upstream
// sends one chunked SSE response in two writes, split at every byte position: the client must
// get the bytes unchanged and the store the usage of every call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KEY, startProxy, stop, queryStore } from './helpers.mjs';

const events = [
  '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":null}',
  '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"usage":null}',
  '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}',
  '{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}',
  '[DONE]',
];
const body = events.map((e) => `data: ${e}\n\n`);
const chunked = body.map((b) => `${Buffer.byteLength(b).toString(16)}\r\n${b}\r\n`).join('') + '0\r\n\r\n';
const head = 'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-request-id: req_0123456789abcdef0123456789abcdef\r\ntransfer-encoding: chunked\r\n\r\n';
const wire = head + chunked;

// With include_usage asked by the client the bytes are relayed raw; without it llmtap asked for
// usage itself and re-chunks the events minus the usage event. Both paths see every split.
for (const asked of [true, false]) test(`a chunked stream split at every byte position is relayed and accounted (client asked usage: ${asked})`, async () => {
  let split = 0;
  const upstream = net.createServer((sock) => {
    sock.setNoDelay(true);
    let req = '';
    sock.on('data', (d) => {
      req += d;
      while (req.includes('\r\n\r\n')) {
        const [h] = req.split('\r\n\r\n');
        const len = Number((h.match(/content-length: *(\d+)/i) || [0, 0])[1]);
        if (req.length < h.length + 4 + len) return;
        req = req.slice(h.length + 4 + len);
        const k = split;
        sock.write(wire.slice(0, k));
        setTimeout(() => sock.write(wire.slice(k)), 3);
      }
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const proxy = await startProxy(`http://127.0.0.1:${upstream.address().port}`);
  try {
    const positions = [];
    for (let k = 1; k < wire.length; k++) positions.push(k);
    for (const k of positions) {
      split = k;
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: `{"model":"gpt-4o-mini","stream":true,${asked ? '"stream_options":{"include_usage":true},' : ''}"messages":[{"role":"user","content":"hi"}]}`,
      });
      assert.equal(res.status, 200);
      const expected = asked ? body.join('') : body.filter((b) => !b.includes('"choices":[],')).join('');
      assert.equal(await res.text(), expected, `split at ${k}`);
    }
    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      "select count(*) n, sum(input_tokens = 9 and output_tokens = 2 and outcome = 'ok' and finish_reason = 'stop') good from calls");
    assert.deepEqual(rows, [{ n: positions.length, good: positions.length }]);
  } finally {
    await stop(proxy);
    upstream.close();
    proxy.cleanup();
  }
});

// Interim responses that arrive in the same read as the final one are skipped without waiting
// for more bytes, and heads that cannot be parsed become a 502 that says why. The request's
// user message names the canned wire to answer with.
test('interim responses in the same read are skipped; malformed heads become a 502 that says why', async () => {
  const json = '{"id":"c2","object":"chat.completion","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}';
  const ok = `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${json.length}\r\n\r\n${json}`;
  const wires = [
    `HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n${ok}`,
    'HTTP/1.1 200 OK\r\nbad name: x\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 200 OK\r\nx-a: b\x01c\r\ncontent-length: 0\r\n\r\n',
    'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n',
  ];
  const upstream = net.createServer((sock) => {
    let req = '';
    sock.on('data', (d) => {
      req += d;
      const end = req.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number((req.slice(0, end).match(/content-length: *(\d+)/i) || [0, 0])[1]);
      if (req.length < end + 4 + len) return;
      const which = Number(req.match(/wire (\d)/)[1]);
      req = '';
      sock.end(wires[which]);
    });
    sock.on('error', () => {});
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const proxy = await startProxy(`http://127.0.0.1:${upstream.address().port}`);
  try {
    let which = 0;
    const call = () => fetch(`${proxy.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"wire ${which++}"}]}`,
    });
    const first = await call();
    assert.equal(first.status, 200);
    assert.equal(await first.text(), json);
    for (const why of ['bad field', 'bad value', 'bad status']) {  // Beast's words
      const res = await call();
      assert.equal(res.status, 502, why);
      const err = (await res.json()).error;
      assert.equal(err.code, 'bad_upstream_response', why);
      assert.equal(err.message, `upstream sent a malformed response head: ${why}`);
    }
    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select status, outcome, input_tokens, proxy_error from calls order by seq');
    assert.deepEqual(rows.map((r) => [r.status, r.outcome, r.input_tokens]), [
      [200, 'ok', 3], [502, 'upstream_disconnected', null], [502, 'upstream_disconnected', null], [502, 'upstream_disconnected', null]]);
    assert.equal(rows[2].proxy_error, 'upstream sent a malformed response head: bad value');
  } finally {
    await stop(proxy);
    upstream.close();
    proxy.cleanup();
  }
});
