// TLS to the upstream: a CA of the test's own, a certificate for 127.0.0.1/localhost served by
// `llmtap mock`, llmtap trusting that CA through its config; a certificate for another name
// is refused with a 502 that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

function makePki(dir) {
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
      '-subj', '/CN=llmtap test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  for (const [name, san] of [['good', 'IP:127.0.0.1,DNS:localhost'], ['wrong', 'DNS:other.example']]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`,
        '-days', '2', '-extfile', `${name}.ext`);
  }
}

test('TLS upstream: verified with the configured CA; a certificate for another name is refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-tls-'));
  makePki(dir);
  const good = await startMock(['--tls-cert', join(dir, 'good.pem'), '--tls-key', join(dir, 'good.key')]);
  const wrong = await startMock(['--tls-cert', join(dir, 'wrong.pem'), '--tls-key', join(dir, 'wrong.key')]);
  assert.match(good.url, /^https:/);
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[upstream]\nurl = "https://127.0.0.1:${good.port}"\nca_file = "${join(dir, 'ca.pem')}"\n\n` +
                        `[upstreams.wrongname]\nurl = "https://127.0.0.1:${wrong.port}"\nca_file = "${join(dir, 'ca.pem')}"\n`);
  const proxy = await startProxy(null, { args: ['--config', config] });
  try {
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const req = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'over TLS' }] };
    const r = await via.chat.completions.create(req);
    assert.ok(r.choices[0].message.content.length > 0);
    assert.ok(r.usage.total_tokens > 0);

    const s = await via.chat.completions.create({ ...req, stream: true, stream_options: { include_usage: true } });
    let text = '';
    for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    assert.equal(text, r.choices[0].message.content);

    const res = await fetch(`${proxy.url}/u/wrongname/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body: JSON.stringify(req),
    });
    assert.equal(res.status, 502);
    const body = await res.json();
    assert.equal(body.error.code, 'upstream_tls_error');
    assert.match(body.error.message, /mismatch/i);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select upstream, status, outcome, output_tokens from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 3);
    assert.deepEqual(rows[0], { upstream: 'default', status: 200, outcome: 'ok', output_tokens: r.usage.completion_tokens });
    assert.equal(rows[2].upstream, 'wrongname');
    assert.equal(rows[2].outcome, 'upstream_unreachable');
  } finally {
    await stop(proxy);
    await stop(good);
    await stop(wrong);
    proxy.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

// An upstream that accepts the connection and never answers the TLS ClientHello: the handshake
// counts against connect_timeout_ms and the call ends in a 504 that says so, in time.
test('a TLS handshake that never completes times out with a 504 after connect_timeout_ms', async () => {
  const net = await import('node:net');
  const held = [];
  const silent = net.createServer((sock) => { held.push(sock); sock.on('error', () => {}); });
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  const port = silent.address().port;
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-tls-'));
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[upstream]\nurl = "https://127.0.0.1:${port}"\n\n[proxy]\nconnect_timeout_ms = 300\n`);
  const proxy = await startProxy(null, { args: ['--config', config] });
  try {
    for (let i = 0; i < 2; i++) {  // the worker keeps serving after a timed-out handshake
      const t0 = Date.now();
      const res = await fetch(`${proxy.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
        body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}',
      });
      const waited = Date.now() - t0;
      assert.equal(res.status, 504);
      const body = await res.json();
      assert.equal(body.error.message, `TLS handshake with upstream 127.0.0.1:${port} failed: timed out`);
      assert.ok(waited >= 250 && waited < 5000, `answered after ${waited} ms`);
    }
    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select status, outcome from calls');
    assert.deepEqual(rows, [{ status: 504, outcome: 'upstream_timeout' }, { status: 504, outcome: 'upstream_timeout' }]);
  } finally {
    await stop(proxy);
    for (const s of held) s.destroy();
    silent.close();
    proxy.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
