// `llmtap tokens`: counts, ids and the JSON shape of the SPEC, and clear errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN } from './helpers.mjs';

const run = (args, input) => spawnSync(BIN, ['tokens', ...args], { input, encoding: 'utf8' });

test('llmtap tokens counts text and chat requests, prints ids, and refuses bad input', () => {
  // cl100k_base ids of "Hello world" as tiktoken gives them.
  let r = run(['--encoding', 'cl100k_base', '--ids'], 'Hello world');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '9906 1917');

  r = run(['--model', 'gpt-4o', '--format', 'json'], 'Hello world');
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.encoding, 'o200k_base');
  assert.equal(j.tokens, 2);
  assert.equal(j.cost_usd, 2 * 2.5 / 1e6);  // gpt-4o input: $2.50 per 1M tokens

  r = run(['--model', 'no-such-model-xyz', '--format', 'json'], 'Hello world');
  assert.equal(JSON.parse(r.stdout).cost_usd, null, 'an unknown model is unpriced, not $0');

  // Special-token strings are ordinary text.
  r = run(['--encoding', 'cl100k_base', '--format', 'json'], '<|endoftext|>');
  assert.ok(JSON.parse(r.stdout).tokens > 1);

  // 3 per message + role + content, + 3 reply priming.
  r = run(['--chat', '--format', 'json'], JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).tokens, 8);

  r = run(['--chat'], '{"no":"messages"}');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /messages/);
  r = run(['--encoding', 'nope'], 'x');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope/);
  r = run(['/nonexistent/file']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot read/);
});
