// Named upstreams, Azure deployment paths with api-key auth, and base URLs with or without /v1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI, { AzureOpenAI } from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

test('Azure paths and api-key through /u/<name>/, and a base URL without /v1', async () => {
  const mock = await startMock();
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-routing-'));
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[upstreams.azure]\nurl = "${mock.url}"\n\n[identity]\nservice = "routing-test"\n`);
  const proxy = await startProxy(mock.url, { args: ['--config', config] });
  try {
    const azure = new AzureOpenAI({
      endpoint: `${proxy.url}/u/azure`, apiKey: 'azure-key-0123456789abcdef0123wxyz',
      apiVersion: '2024-10-21', deployment: 'gpt-4o-prod', maxRetries: 0,
    });
    const a = await azure.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi azure' }] });
    assert.ok(a.choices[0].message.content.length > 0);

    const noV1 = new OpenAI({ baseURL: proxy.url, apiKey: KEY, maxRetries: 0 });
    const b = await noV1.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'no v1 here' }] },
      { headers: { 'x-llmtap-service': 'billing', 'x-llmtap-env': 'staging' } });
    assert.ok(b.usage.total_tokens > 0);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir,
      'select upstream, deployment, path, endpoint, key_label, service, env, status from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      upstream: 'azure', deployment: 'gpt-4o-prod', path: '/openai/deployments/gpt-4o-prod/chat/completions',
      endpoint: 'chat.completions', key_label: '...wxyz', service: 'routing-test', env: null, status: 200,
    });
    assert.deepEqual(rows[1], {
      upstream: 'default', deployment: null, path: '/chat/completions', endpoint: 'chat.completions',
      key_label: 'sk-...abcd', service: 'billing', env: 'staging', status: 200,
    });
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
