// `llmtap info`: settings with where each came from, upstreams and exporters checked live, and a
// non-zero exit when a configured target fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startMock, stop } from './helpers.mjs';

function info(args, env = {}) {
  const r = spawnSync(BIN, ['info', ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('info: origins of settings, live upstream checks, exit code', async () => {
  const mock = await startMock();
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-info-'));
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, '[proxy]\nworkers = 2\n\n[otlp]\nheaders = "authorization=Bearer very-secret"\n');
  try {
    const ok = info(['--config', config, '--upstream', mock.url, '--data-dir', dir],
                    { LLMTAP_STORE_BATCH_SIZE: '77', DD_ENV: 'staging' });
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^llmtap \d+\.\d+\.\d+/);
    assert.match(ok.out, /\n  upstream\.url +=  ?http:\/\/127\.0\.0\.1:\d+ +flag\n/);
    assert.match(ok.out, /\n  proxy\.workers += 2 +file\n/);
    assert.match(ok.out, /\n  store\.batch_size += 77 +env\n/);
    assert.match(ok.out, /\n  identity\.env += staging +env \(DD_ENV\)\n/);
    assert.match(ok.out, /\n  proxy\.listen += 127\.0\.0\.1:8787 +default\n/);
    assert.match(ok.out, /\n  otlp\.headers += \(set\) +file\n/);
    assert.ok(!ok.out.includes('very-secret'), 'a secret setting was printed');
    assert.match(ok.out, /default +http:\/\/127\.0\.0\.1:\d+ +ok: HTTP 401 from GET \/v1\/models in \d+ ms \(reachable; info sends no key\)/);
    assert.match(ok.out, /store: .*llmtap\.db \(not created yet/);
    assert.match(ok.out, /prices: @pydantic\/genai-prices \S+ \(published \d{4}-\d\d-\d\d\), \d+ models/);
    assert.match(ok.out, /o200k_base ok cl100k_base ok p50k_base ok r50k_base ok/);
    assert.match(ok.out, /all checks passed/);

    writeFileSync(config, '[upstreams.down]\nurl = "http://127.0.0.1:9"\n');
    const bad = info(['--config', config, '--upstream', mock.url, '--data-dir', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.out, /down +http:\/\/127\.0\.0\.1:9 +FAILED: .*(refused|connect)/i);
    assert.match(bad.out, /some checks FAILED/);
  } finally {
    await stop(mock);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('info: a bad config says which key and line, and exits 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-info-'));
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, '[samples]\nrate = 2.5\n');
  try {
    const r = info(['--config', config, '--data-dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.err, /llmtap info: .*llmtap\.toml:2: samples\.rate must be between 0 and 1/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
