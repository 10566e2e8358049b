// Every wait has a deadline: a silent upstream gets a 504, an upstream that stalls mid-stream is
// cut and recorded, an idle keep-alive connection is closed, and a client that stops reading is
// let go. Each case is checked on the wire and in the store, and the proxy keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

const TIMEOUT_MS = 400;

const chat = (extra = {}) => JSON.stringify({
  model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello there' }], ...extra,
});

// One call on a connection of its own: with a 400 ms idle timeout, a pooled connection could be
// closed by llmtap just as the client reuses it. Resolves with the status, the body as received,
// and whether the response was cut before its end.
function post(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/v1/chat/completions`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    }, (res) => {
      let text = '';
      let cut = false;
      res.on('data', (d) => { text += d; });
      res.on('aborted', () => { cut = true; });
      res.on('error', () => { cut = true; });
      res.on('close', () => resolve({ status: res.statusCode, text, cut: cut || !res.complete }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

// Sends `bytes`, reads the first data, then stops reading until `done()` is true (polled every
// 100 ms, for up to `maxMs`); then reads on and resolves when the server closes the connection.
// A fixed stall was flaky: on a slow machine the mock produced little enough during it that
// the socket buffers took all of it and the proxy never had to wait on the client.
function stalledReader(port, bytes, done, maxMs = 30000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let stalled = false;
    let doneSeen = false;
    const timer = setTimeout(() => { s.destroy(); resolve({ closed: false, data, doneSeen }); }, maxMs + 30000);
    s.on('connect', () => s.write(bytes));
    s.on('data', (d) => {
      data += d;
      if (stalled) return;
      stalled = true;
      s.pause();
      const started = Date.now();
      const poll = setInterval(() => {
        doneSeen = done();
        if (!doneSeen && Date.now() - started < maxMs) return;
        clearInterval(poll);
        s.resume();
      }, 100);
    });
    s.on('close', () => { clearTimeout(timer); resolve({ closed: true, data, doneSeen }); });
    s.on('error', () => {});
  });
}

// A request on a fresh connection, then silence: resolves when the server closes the connection.
function idleAfterOneCall(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let answeredAt = 0;
    const timer = setTimeout(() => { s.destroy(); resolve({ data, closed: false, idleMs: 0 }); }, 8000);
    s.on('data', (d) => { data += d; if (!answeredAt && data.includes('\r\n\r\n')) answeredAt = Date.now(); });
    s.on('close', () => { clearTimeout(timer); resolve({ data, closed: true, idleMs: Date.now() - answeredAt }); });
    s.on('error', () => {});
    s.write(`GET /v1/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n\r\n`);
  });
}

test('deadlines: upstream head, upstream idle, client idle', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    env: {
      LLMTAP_PROXY_UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS),
      LLMTAP_PROXY_UPSTREAM_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
      LLMTAP_PROXY_IDLE_TIMEOUT_MS: String(TIMEOUT_MS),
    },
  });
  const port = Number(new URL(proxy.url).port);
  const ok = async () => {
    const res = await post(proxy.url, chat());
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).object, 'chat.completion');
  };
  try {
    await ok();

    // The upstream says nothing for 3 s: 504 after the upstream timeout, as OpenAI's error shape.
    let t0 = Date.now();
    let res = await post(proxy.url, chat(), { 'x-mock-latency-ms': '3000', 'x-request-tag': 'head' });
    let ms = Date.now() - t0;
    assert.equal(res.status, 504);
    const body = JSON.parse(res.text);
    assert.equal(body.error.code, 'upstream_timeout');
    assert.ok(ms >= TIMEOUT_MS - 50 && ms < 2500, `504 after ${ms} ms`);
    await ok();

    // The upstream stalls 3 s between chunks: the stream is cut after the idle timeout, with the
    // chunks that came before it delivered.
    t0 = Date.now();
    res = await post(proxy.url, chat({ stream: true }), { 'x-mock-chunk-delay-ms': '3000' });
    assert.equal(res.status, 200);
    ms = Date.now() - t0;
    assert.ok(res.cut && !res.text.includes('[DONE]'), 'the stream did not finish normally');
    assert.match(res.text, /^data: \{/, 'the first chunk arrived before the stall');
    assert.ok(ms >= TIMEOUT_MS - 50 && ms < 2500, `cut after ${ms} ms`);
    await ok();

    // A kept-alive connection that sends nothing more is closed after the idle timeout.
    const idle = await idleAfterOneCall(port);
    assert.match(idle.data, /^HTTP\/1\.1 200/);
    assert.ok(idle.closed, 'the idle connection was closed');
    assert.ok(idle.idleMs >= TIMEOUT_MS - 50 && idle.idleMs < 4000, `closed after ${idle.idleMs} ms idle`);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      'SELECT status, outcome, proxy_error, stream FROM calls ORDER BY seq');
    const outcomes = rows.map((r) => r.outcome);
    // ok, head timeout, ok, idle cut, ok, models (idle connection)
    const head = rows.find((r) => r.status === 504);
    assert.ok(head, JSON.stringify(rows));
    assert.equal(head.outcome, 'upstream_timeout');
    assert.match(head.proxy_error, /did not answer in time/);
    const idleCut = rows.find((r) => r.stream === 1 && r.outcome === 'upstream_timeout');
    assert.ok(idleCut, JSON.stringify(rows));
    assert.match(idleCut.proxy_error, /went idle mid-response/);
    assert.equal(rows.filter((r) => r.outcome === 'ok').length, 4, JSON.stringify(outcomes));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});

test('a client that stops reading is let go after the idle timeout', async () => {
  const mock = await startMock();
  // Only the client side has a short deadline: the mock takes a while to start a long stream.
  const proxy = await startProxy(mock.url, { env: { LLMTAP_PROXY_IDLE_TIMEOUT_MS: String(TIMEOUT_MS) } });
  const port = Number(new URL(proxy.url).port);
  try {
    // A client that asks for a long stream (~12 MB, far more than the socket buffers hold: 4 MB
    // at most for llmtap's send buffer here, the client's stays small while it does not read)
    // and stops reading: llmtap stops waiting on the write after the idle timeout and records
    // the call. The client reads on once the store has it.
    const longStream = chat({ stream: true });
    const req = `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
      `Content-Type: application/json\r\nx-mock-tokens: 40000\r\nContent-Length: ${Buffer.byteLength(longStream)}\r\n\r\n${longStream}`;
    const aborted = () => queryStore(proxy.dataDir,
      "SELECT count(*) AS n FROM calls WHERE outcome = 'client_aborted'")[0].n > 0;
    const stalled = await stalledReader(port, req, aborted);
    assert.ok(stalled.doneSeen, 'the call of a client that stopped reading was given up and recorded');
    assert.ok(stalled.closed, 'the connection of a client that stopped reading was closed');
    assert.match(stalled.data, /^HTTP\/1\.1 200/);
    assert.ok(!stalled.data.includes('data: [DONE]'), 'the stream was given up before its end');
    const res = await post(proxy.url, chat());
    assert.equal(res.status, 200);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'SELECT outcome, proxy_error FROM calls ORDER BY seq');
    assert.deepEqual(rows.map((r) => r.outcome), ['client_aborted', 'ok']);
    assert.match(rows[0].proxy_error, /client closed the connection|client/);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});
