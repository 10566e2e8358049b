// The scripted set of OpenAI calls both sides of the Datadog tests make: Datadog's own tracer
// against `llmtap mock` directly, and the plain SDK through `llmtap serve`. CommonJS, because
// dd-trace instruments `require('openai')`. Each call's outcome is returned for the checks.
'use strict';

// `afterEach(name)` runs after each call (the metrics test collects that call's datagrams there).
async function scriptedCalls(OpenAI, { baseURL, apiKey, organization, afterEach }) {
  const client = new OpenAI({ baseURL, apiKey, organization, maxRetries: 0 });
  const out = [];
  const timed = async (name, fn) => {
    const t0 = process.hrtime.bigint();
    try {
      const r = await fn();
      out.push({ name, ok: true, elapsedNs: Number(process.hrtime.bigint() - t0), ...r });
    } catch (e) {
      out.push({ name, ok: false, elapsedNs: Number(process.hrtime.bigint() - t0), status: e.status,
        headers: e.headers ? Object.fromEntries(Object.entries(e.headers)) : {} });
    }
    if (afterEach) await afterEach(name);
  };
  const headersOf = (response) => Object.fromEntries(response.headers.entries());

  await timed('chat', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello to the tests.' }] })
      .withResponse();
    return { usage: data.usage, headers: headersOf(response) };
  });
  await timed('chat-stream-usage', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o', stream: true, stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'Stream a short answer.' }] })
      .withResponse();
    let usage = null;
    let text = '';
    for await (const c of stream) {
      if (c.usage) usage = c.usage;
      text += c.choices[0]?.delta?.content ?? '';
    }
    return { usage, text, headers: headersOf(response) };
  });
  await timed('chat-stream', async () => {
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Stream without usage.' }] })
      .withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    return { text, headers: headersOf(response) };
  });
  await timed('embeddings', async () => {
    const { data, response } = await client.embeddings
      .create({ model: 'text-embedding-3-small', input: 'embed me' })
      .withResponse();
    return { usage: data.usage, headers: headersOf(response) };
  });
  await timed('error-500', async () => {
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail' }] },
      { headers: { 'x-mock-status': '500' } });
    return {};
  });
  await timed('rate-limited', async () => {
    await client.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too many' }] },
      { headers: { 'x-mock-status': '429' } });
    return {};
  });
  return out;
}

module.exports = { scriptedCalls };
