// A few calls through llmtap with the official SDK, for the README's first command.
import OpenAI from 'openai';

const client = new OpenAI();  // OPENAI_BASE_URL and OPENAI_API_KEY come from the environment
const chat = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello to llmtap.' }],
});
console.log(`chat: ${chat.choices[0].message.content} (${chat.usage.total_tokens} tokens)`);

const stream = await client.chat.completions.create({
  model: 'gpt-4o',
  messages: [{ role: 'user', content: 'Stream a short sentence.' }],
  stream: true,
  stream_options: { include_usage: true },
});
let text = '';
for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
console.log(`chat streamed: ${text}`);

const emb = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'llmtap' });
console.log(`embeddings: ${emb.data[0].embedding.length} dimensions`);

const resp = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Hello from the Responses API', stream: true });
for await (const ev of resp) if (ev.type === 'response.completed') console.log(`responses streamed: ${ev.response.usage.total_tokens} tokens`);

try {
  await client.withOptions({ maxRetries: 0 }).chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'rate limit me' }] },
    { headers: { 'x-mock-status': '429' } });
} catch (e) {
  console.log(`a 429 from the upstream, as the client sees it: ${e.status} ${e.code}`);
}
