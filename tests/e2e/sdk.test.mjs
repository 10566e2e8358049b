// The official SDK through the real proxy in front of `llmtap mock`: what the client receives
// equals what it receives calling the mock directly, and the store holds one correct row per call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { spawnSync } from 'node:child_process';
import { BIN, KEY, startMock, startProxy, stop, queryStore } from './helpers.mjs';

async function collectChat(stream) {
  let content = '', finish = null, usage = null, chunks = 0;
  for await (const c of stream) {
    chunks++;
    if (c.choices[0]?.delta?.content) content += c.choices[0].delta.content;
    if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
    if (c.usage) usage = c.usage;
  }
  return { content, finish, usage, chunks };
}

async function collectResponses(stream) {
  let text = '', usage = null, seq = [], status = null;
  for await (const ev of stream) {
    seq.push(ev.sequence_number);
    if (ev.type === 'response.output_text.delta') text += ev.delta;
    if (ev.type === 'response.completed') { usage = ev.response.usage; status = ev.response.status; }
  }
  return { text, usage, seq, status };
}

test('chat, chat streamed, embeddings and Responses streamed through llmtap', async () => {
  const mock = await startMock();
  const proxy = await startProxy(mock.url);
  try {
    const direct = new OpenAI({ baseURL: `${mock.url}/v1`, apiKey: KEY });
    const via = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY });

    const chatReq = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to llmtap, please.' }] };
    const a = await direct.chat.completions.create(chatReq);
    const { data: b, response: bResponse } = await via.chat.completions.create(chatReq).withResponse();
    assert.ok(a.choices[0].message.content.length > 0);
    assert.equal(b.choices[0].message.content, a.choices[0].message.content);
    assert.equal(b.choices[0].finish_reason, a.choices[0].finish_reason);
    assert.deepEqual(b.usage, a.usage);

    const streamReq = { ...chatReq, model: 'gpt-4o', stream: true, stream_options: { include_usage: true } };
    const sa = await collectChat(await direct.chat.completions.create(streamReq));
    const sb = await collectChat(await via.chat.completions.create(streamReq));
    assert.ok(sa.content.length > 0);
    assert.equal(sb.content, sa.content);
    assert.equal(sb.finish, 'stop');
    assert.equal(sb.finish, sa.finish);
    assert.equal(sb.chunks, sa.chunks);
    assert.deepEqual(sb.usage, sa.usage);

    const embReq = { model: 'text-embedding-3-small', input: 'llmtap measures every call' };
    const ea = await direct.embeddings.create(embReq);
    const eb = await via.embeddings.create(embReq);
    assert.deepEqual(eb.data[0].embedding, ea.data[0].embedding);
    assert.deepEqual(eb.usage, ea.usage);

    const respReq = { model: 'gpt-4.1-mini', input: 'Hello from the Responses API', stream: true };
    const ra = await collectResponses(await direct.responses.create(respReq));
    const rb = await collectResponses(await via.responses.create(respReq));
    assert.equal(rb.text, ra.text);
    assert.equal(rb.status, 'completed');
    assert.deepEqual(rb.usage, ra.usage);
    assert.deepEqual(rb.seq, ra.seq);

    // The admin port shows the latest rate-limit state per model (docs/metrics.md; the key is a
    // label only with prometheus.api_key_label). The pipeline is asynchronous: poll briefly.
    const want = new RegExp(`^llmtap_ratelimit_remaining\\{model="${chatReq.model}",provider="openai",[^}]*kind="requests"\\} ` +
                            `${bResponse.headers.get('x-ratelimit-remaining-requests')}$`, 'm');
    let metrics = '';
    for (let i = 0; i < 50 && !want.test(metrics); i++) {
      metrics = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
      if (!want.test(metrics)) await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(metrics, want);
    assert.match(metrics, /llmtap_proxy_requests_total 4/);
    assert.equal((await fetch(`${proxy.adminUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${proxy.adminUrl}/readyz`)).status, 200);

    assert.equal(await stop(proxy), 0, 'serve exits cleanly on SIGTERM');
    const rows = queryStore(proxy.dataDir, 'select * from calls order by ts_unix_ms, id');
    assert.equal(rows.length, 4, 'one row per call through the proxy');
    const [chat, chatStream, emb, resp] = rows;

    assert.equal(chat.endpoint, 'chat.completions');
    assert.equal(chat.model_requested, 'gpt-4o-mini');
    assert.equal(chat.model_served, a.model);
    assert.equal(chat.stream, 0);
    assert.equal(chat.status, 200);
    assert.equal(chat.input_tokens, a.usage.prompt_tokens);
    assert.equal(chat.output_tokens, a.usage.completion_tokens);
    assert.equal(chat.total_tokens, a.usage.total_tokens);
    assert.equal(chat.finish_reason, 'stop');
    assert.equal(chat.key_label, 'sk-...abcd');
    assert.match(chat.key_hash, /^[0-9a-f]{16}$/);
    assert.match(chat.request_id, /^req_[0-9a-f]{32}$/);
    assert.ok(chat.ratelimit_remaining_requests > 0);
    assert.ok(chat.ratelimit_limit_tokens >= chat.ratelimit_remaining_tokens);
    assert.ok(chat.ratelimit_reset_requests_ms >= 0);

    // Cost in nano-dollars from the price table (reference/openai-api.md §6.1, per 1M tokens):
    // gpt-4o-mini $0.15 in / $0.60 out -> 150 / 600 nano-USD per token; gpt-4o $2.50 / $10.00;
    // text-embedding-3-small $0.02. The mock reports no cached tokens.
    assert.equal(chat.cost_nano_usd, a.usage.prompt_tokens * 150 + a.usage.completion_tokens * 600);

    assert.equal(chatStream.stream, 1);
    assert.equal(chatStream.cost_nano_usd, sa.usage.prompt_tokens * 2500 + sa.usage.completion_tokens * 10000);
    assert.equal(chatStream.include_usage_requested, 1);
    assert.equal(chatStream.model_requested, 'gpt-4o');
    assert.equal(chatStream.input_tokens, sa.usage.prompt_tokens);
    assert.equal(chatStream.output_tokens, sa.usage.completion_tokens);
    assert.equal(chatStream.finish_reason, 'stop');
    assert.equal(chatStream.usage_source, 'reported');

    assert.equal(emb.endpoint, 'embeddings');
    assert.equal(emb.input_tokens, ea.usage.prompt_tokens);
    assert.equal(emb.cost_nano_usd, ea.usage.prompt_tokens * 20);

    assert.equal(resp.endpoint, 'responses');
    assert.equal(resp.stream, 1);
    assert.equal(resp.input_tokens, ra.usage.input_tokens);
    assert.equal(resp.output_tokens, ra.usage.output_tokens);

    // `llmtap report` shows these calls: per model, with totals, as one JSON document.
    const rep = spawnSync(BIN, ['report', '--data-dir', proxy.dataDir, '--by', 'model', '--format', 'json'], { encoding: 'utf8' });
    assert.equal(rep.status, 0, rep.stderr);
    const report = JSON.parse(rep.stdout);
    assert.equal(report.totals.requests, 4);
    assert.equal(report.totals.errors, 0);
    assert.equal(report.totals.input_tokens, rows.reduce((n, r) => n + r.input_tokens, 0));
    assert.equal(report.totals.output_tokens, rows.reduce((n, r) => n + r.output_tokens, 0));
    assert.ok(Math.abs(report.totals.cost_usd - rows.reduce((n, r) => n + r.cost_nano_usd, 0) / 1e9) < 1e-12);
    const miniRow = report.rows.find((r) => r.key === a.model);
    assert.equal(miniRow.requests, 1);
    assert.ok(miniRow.p50_ms > 0 && miniRow.p95_ms >= miniRow.p50_ms);
    const table = spawnSync(BIN, ['report', '--data-dir', proxy.dataDir, '--by', 'endpoint'], { encoding: 'utf8' });
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /chat\.completions/);
    assert.match(table.stdout, /responses/);

    // The key itself is nowhere: not in a row, not in the database file.
    assert.ok(!JSON.stringify(rows).includes(KEY.slice(3)), 'no row holds the API key');
    const { readFileSync, existsSync } = await import('node:fs');
    for (const f of ['llmtap.db', 'llmtap.db-wal']) {
      const path = `${proxy.dataDir}/${f}`;
      if (existsSync(path)) assert.ok(!readFileSync(path).includes(KEY.slice(3)), `${f} holds no API key`);
    }
    for (const r of rows) {
      assert.equal(r.outcome, 'ok');
      // Timings in the order they happen on the wire.
      assert.ok(r.connect_start_us >= 0);
      assert.ok(r.connected_us >= r.connect_start_us, JSON.stringify(r));
      assert.ok(r.request_sent_us >= r.connected_us, JSON.stringify(r));
      assert.ok(r.first_byte_us >= r.request_sent_us, JSON.stringify(r));
      assert.ok(r.last_byte_us >= r.first_byte_us, JSON.stringify(r));
      assert.equal(r.duration_us, r.last_byte_us);
      assert.ok(r.inside_us > 0 && r.inside_us <= r.duration_us, JSON.stringify(r));
      if (r.stream) {
        assert.ok(r.first_token_us >= r.first_byte_us && r.first_token_us <= r.last_byte_us, JSON.stringify(r));
      }
    }
    // The stored rate-limit state is what the client saw in the response headers.
    const h = (name) => Number(bResponse.headers.get(name));
    assert.equal(chat.ratelimit_limit_requests, h('x-ratelimit-limit-requests'));
    assert.equal(chat.ratelimit_limit_tokens, h('x-ratelimit-limit-tokens'));
    assert.equal(chat.ratelimit_remaining_requests, h('x-ratelimit-remaining-requests'));
    assert.equal(chat.ratelimit_remaining_tokens, h('x-ratelimit-remaining-tokens'));
    assert.equal(chat.request_id, bResponse.headers.get('x-request-id'));
    assert.equal(chat.processing_ms, h('openai-processing-ms'));
  } finally {
    await stop(proxy);
    await stop(mock);
    proxy.cleanup();
  }
});
