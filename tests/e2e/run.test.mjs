// `llmtap run -- CMD`: the official SDK in a child process reaches the mock through the in-process
// proxy via OPENAI_BASE_URL; llmtap exits with the child's code, records the calls, prints a
// summary, and forwards the signals it is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, KEY, startMock, stop, queryStore } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));

// Runs `llmtap run args...` to completion; resolves with its exit code and output.
function runLlmtap(args, { onStart } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(BIN, ['run', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdout.on('data', (d) => { out += d; });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    if (onStart) onStart(proc, () => out);
  });
}

test('run: the child calls through llmtap, its exit code comes back, calls are stored', async () => {
  const mock = await startMock();
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-run-'));
  // The child is a plain app: it only knows OPENAI_BASE_URL, as any OpenAI SDK user would.
  const app = join(here, `run-app-${process.pid}.mjs`);
  writeFileSync(app, `
import OpenAI from 'openai';
const client = new OpenAI({ apiKey: '${KEY}', maxRetries: 0 });
console.log('base=' + process.env.OPENAI_BASE_URL + ' legacy=' + process.env.OPENAI_API_BASE);
await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'one' }] });
const s = await client.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'two' }] });
for await (const _ of s) {}
try {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'three' }] },
                                       { headers: { 'x-mock-status': '429' } });
} catch (e) { console.log('status=' + e.status); }
process.exit(3);
`);
  try {
    const r = await runLlmtap(['--upstream', mock.url, '--data-dir', dir, '--', process.execPath, app]);
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /base=http:\/\/127\.0\.0\.1:\d+\/v1 legacy=http:\/\/127\.0\.0\.1:\d+\/v1/);
    assert.match(r.out, /status=429/);
    assert.match(r.err, /llmtap run: 3 calls in [\d.]+s, recorded in /);
    assert.match(r.err, /\ngpt-4o-2024-08-06 +1 +0 /);  // by served model: calls, errors
    assert.match(r.err, /\ntotal +3 +1 +14 /);         // calls, errors, input tokens
    const rows = queryStore(dir, 'select model_requested, status, stream from calls order by seq');
    assert.deepEqual(rows.map((x) => [x.model_requested, x.status, x.stream]),
      [['gpt-4o-mini', 200, 0], ['gpt-4o', 200, 1], ['gpt-4o-mini', 429, 0]]);
    const quiet = await runLlmtap(['--upstream', mock.url, '--data-dir', dir, '--no-summary', '--', 'true']);
    assert.equal(quiet.code, 0);
    assert.doesNotMatch(quiet.err, /llmtap run:/);
  } finally {
    rmSync(app, { force: true });
    rmSync(dir, { recursive: true, force: true });
    await stop(mock);
  }
});

test('run: signals sent to llmtap reach the child; a missing command exits 127', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-run-'));
  try {
    const child = "process.on('SIGTERM', () => process.exit(42)); console.log('ready'); setInterval(() => {}, 1000);";
    const r = await runLlmtap(['--upstream', 'http://127.0.0.1:9', '--data-dir', dir, '--no-summary', '--',
      process.execPath, '-e', child], {
      onStart: (proc, out) => {
        const poll = setInterval(() => {
          if (out().includes('ready')) { clearInterval(poll); proc.kill('SIGTERM'); }
        }, 20);
      },
    });
    assert.equal(r.code, 42, r.err);
    // An Azure upstream also gets AZURE_OPENAI_ENDPOINT (the Azure SDKs append /openai/...).
    const azure = await runLlmtap(['--upstream', 'https://my-res.openai.azure.com', '--data-dir', dir, '--no-summary', '--',
      process.execPath, '-e', 'console.log(process.env.AZURE_OPENAI_ENDPOINT)']);
    assert.equal(azure.code, 0);
    assert.match(azure.out, /^http:\/\/127\.0\.0\.1:\d+\n$/);
    const missing = await runLlmtap(['--data-dir', dir, '--', 'no-such-program-llmtap']);
    assert.equal(missing.code, 127);
    assert.match(missing.err, /cannot start no-such-program-llmtap: No such file or directory/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
