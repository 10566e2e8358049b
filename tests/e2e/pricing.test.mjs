// Prices: an override file of the user's wins over the table, an unknown model is unpriced
// (never $0), and SIGHUP reloads the prices (a broken file keeps the old ones). The
// [deployments] map is accepted here; its pricing is covered by tests/unit/pricing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

const override = (inPrice, outPrice) => JSON.stringify({
  llmtap_prices: 1,
  models: [{ id: 'gpt-4o-mini', aliases: ['gpt-4o-mini-2024-07-18'], prices: { input: inPrice, output: outPrice } }],
});

test('override file, unpriced models and SIGHUP reload', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmtap-prices-'));
  const overrideFile = join(dir, 'prices.json');
  writeFileSync(overrideFile, override(1, 2));  // $1 / $2 per 1M: 1000 / 2000 nano-USD per token
  const config = join(dir, 'llmtap.toml');
  writeFileSync(config, `[pricing]\noverride_file = "${overrideFile}"\n\n[deployments]\n"prod-chat" = "gpt-4o"\n`);
  const mock = await startMock();
  const proxy = await startProxy(mock.url, { args: ['--config', config] });
  try {
    assert.match(proxy.output(), /llmtap prices @pydantic\/genai-prices .*overrides from/);
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const req = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'price me' }] };
    const first = await via.chat.completions.create(req);
    const unknown = await via.chat.completions.create({ ...req, model: 'my-local-llama' });

    writeFileSync(overrideFile, override(3, 4));
    proxy.proc.kill('SIGHUP');
    for (let i = 0; i < 50 && !proxy.output().includes('price table reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(proxy.output(), /SIGHUP: price table reloaded/);
    const second = await via.chat.completions.create(req);

    writeFileSync(overrideFile, '{"llmtap_prices": 1, "models": [');  // broken: the old prices stay
    proxy.proc.kill('SIGHUP');
    for (let i = 0; i < 50 && !proxy.output().includes('not reloaded'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(proxy.output(), /price table not reloaded: .*prices\.json/);
    const third = await via.chat.completions.create(req);

    assert.equal(await stop(proxy), 0);
    const rows = queryStore(proxy.dataDir, 'select model_served, cost_nano_usd from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 4);
    assert.equal(rows[0].cost_nano_usd, first.usage.prompt_tokens * 1000 + first.usage.completion_tokens * 2000);
    assert.equal(rows[1].cost_nano_usd, null, `${unknown.model} is unpriced`);
    assert.equal(rows[2].cost_nano_usd, second.usage.prompt_tokens * 3000 + second.usage.completion_tokens * 4000);
    assert.equal(rows[3].cost_nano_usd, third.usage.prompt_tokens * 3000 + third.usage.completion_tokens * 4000);
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});
