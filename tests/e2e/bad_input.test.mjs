// Malformed and oversized requests get a clear answer (or a closed connection), nothing
// crashes, and the next request on a new connection works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { KEY, startMock, startProxy, stop } from './helpers.mjs';

// Sends raw bytes on a new connection; resolves with everything received until the server closes
// (or `waitMs` passes) and whether the server closed the connection.
function raw(port, bytes, waitMs = 3000) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const started = Date.now();
    const timer = setTimeout(() => { s.destroy(); resolve({ data, closed: false, ms: Date.now() - started }); }, waitMs);
    s.on('data', (d) => { data += d; });
    s.on('close', () => { clearTimeout(timer); resolve({ data, closed: true, ms: Date.now() - started }); });
    s.on('error', () => {});
    if (bytes) s.write(bytes);
  });
}

const statusOf = (data) => Number((data.match(/^HTTP\/1\.1 (\d{3})/) || [])[1]);
const bodyOf = (data) => JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4));

test('bad requests are refused clearly and the proxy keeps serving', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url, {
    env: { LLMTAP_PROXY_MAX_HEADER_BYTES: '4096', LLMTAP_PROXY_MAX_BODY_BYTES: '8192', LLMTAP_PROXY_HEADER_TIMEOUT_MS: '400' },
  });
  const port = Number(new URL(proxy.url).port);
  const good = async () => {
    const res = await fetch(`${proxy.url}/v1/models`, { headers: { authorization: `Bearer ${KEY}` } });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).object, 'list');
  };
  try {
    // The first connection of a proxy that had none: the deadline sweep was parked (an idle
    // worker makes no wake-ups) and the connection's start must wake it.
    let r = await raw(port, '', 5000);
    assert.ok(r.closed, 'the first, silent connection is closed');
    assert.ok(r.ms >= 300 && r.ms < 4000, `closed after ${r.ms} ms`);
    await good();

    r = await raw(port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.equal(statusOf(r.data), 400);
    assert.equal(bodyOf(r.data).error.code, 'bad_request');
    assert.ok(r.closed);
    await good();

    r = await raw(port, 'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    assert.equal(statusOf(r.data), 400);
    assert.match(bodyOf(r.data).error.message, /Content-Length and Transfer-Encoding/);
    await good();

    r = await raw(port, `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10000)}\r\n\r\n`);
    assert.equal(statusOf(r.data), 431);
    assert.equal(bodyOf(r.data).error.code, 'headers_too_large');
    await good();

    r = await raw(port, `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n${'{'.repeat(1000)}`);
    assert.equal(statusOf(r.data), 413);
    assert.equal(bodyOf(r.data).error.code, 'request_too_large');
    await good();

    // Says nothing at all: closed after the header timeout, without an answer.
    r = await raw(port, '', 5000);
    assert.ok(r.closed, 'the silent connection is closed');
    assert.equal(r.data, '');
    assert.ok(r.ms >= 300 && r.ms < 4000, `closed after ${r.ms} ms`);

    // Starts a head and stalls: 408.
    r = await raw(port, 'GET /v1/models HTTP/1.1\r\nHost: x\r\n', 5000);
    assert.equal(statusOf(r.data), 408);
    await good();

    // Not an open proxy.
    r = await raw(port, 'GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(r.data), 400);
    assert.match(bodyOf(r.data).error.message, /not an open proxy/);
    await good();

    // Unknown named upstream.
    r = await raw(port, 'GET /u/nope/v1/models HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.equal(statusOf(r.data), 404);
    assert.equal(bodyOf(r.data).error.code, 'unknown_upstream');
    await good();

    assert.equal(await stop(proxy), 0);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});
