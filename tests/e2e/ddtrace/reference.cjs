// Datadog's own Node tracer (dd-trace 5.61, whose OpenAI plugin still sends DogStatsD metrics)
// making the scripted calls against `llmtap mock` directly. Run with `node --require dd-trace/init`
// and DD_DOGSTATSD_HOST/PORT, DD_TRACE_AGENT_URL pointing at the test's receivers.
'use strict';
const OpenAI = require('openai');
const { scriptedCalls } = require('./calls.cjs');

(async () => {
  const calls = await scriptedCalls(OpenAI, { baseURL: process.env.REF_BASE_URL, apiKey: process.env.REF_API_KEY });
  process.stdout.write(JSON.stringify(calls.map((c) => ({ name: c.name, ok: c.ok, status: c.status }))) + '\n');
  // The plugin flushes its DogStatsD client every 10 s on an unref'd timer: stay alive for one.
  setTimeout(() => {}, 11_000);
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
