// What the Datadog tests listen with: a DogStatsD receiver (UDP, or a unix datagram socket through
// Debian's python3, which Node's dgram cannot bind), a trace Agent stand-in (HTTP: /v0.4/traces
// and /info), the msgpack decoder, and Datadog's own Node tracer as the reference. All on 127.0.0.1.
import dgram from 'node:dgram';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
// An msgpack decoder not written here; 64-bit integers come back as BigInt (no precision loss).
const { decode } = require('@msgpack/msgpack');
export const decodeMsgpack = (buf) => decode(buf, { useBigInt64: true });
// openai@4, the SDK generation dd-trace 5.61's OpenAI plugin instruments.
export const OpenAI4 = require('openai');
export const { scriptedCalls } = require('./calls.cjs');

export async function udpReceiver() {
  const sock = dgram.createSocket('udp4');
  const datagrams = [];
  sock.on('message', (m) => datagrams.push(m.toString('utf8')));
  await new Promise((resolve) => sock.bind(0, '127.0.0.1', resolve));
  return {
    port: sock.address().port,
    url: `udp://127.0.0.1:${sock.address().port}`,
    datagrams,
    take() { return datagrams.splice(0, datagrams.length); },
    close() { sock.close(); },
  };
}

// A unix datagram socket at `path`; prints each datagram as one JSON string per line.
export async function unixReceiver(path) {
  const py = [
    'import json, os, socket, sys',
    `p = ${JSON.stringify(path)}`,
    's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
    's.bind(p)',
    'print("ready", flush=True)',
    'while True:',
    '    d = s.recv(65536)',
    '    print(json.dumps(d.decode("utf-8")), flush=True)',
  ].join('\n');
  const proc = spawn('python3', ['-c', py], { stdio: ['ignore', 'pipe', 'inherit'] });
  const datagrams = [];
  let buf = '';
  await new Promise((resolve, reject) => {
    proc.on('error', reject);
    proc.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line === 'ready') resolve();
        else datagrams.push(JSON.parse(line));
      }
    });
  });
  return { url: `unix://${path}`, datagrams, close() { proc.kill('SIGKILL'); } };
}

// The trace Agent's two endpoints llmtap uses. `answers`: statuses to give /v0.4/traces in turn
// (then 200); `fallback` replaces 200 when set.
export async function agentStandIn({ answers = [], fallback = 200 } = {}) {
  const posts = [];
  const infoHits = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/info') {
        infoHits.push(req.url);
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ version: '7.99.0-standin', endpoints: ['/v0.3/traces', '/v0.4/traces', '/v0.5/traces'] }));
        return;
      }
      const status = answers.length ? answers.shift() : fallback;
      posts.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks), status });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"rate_by_service":{}}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    posts,
    infoHits,
    spans() {
      return posts.filter((p) => p.path === '/v0.4/traces' && p.status === 200)
        .flatMap((p) => decodeMsgpack(p.body).flat());
    },
    close() { server.close(); },
  };
}

// Every DogStatsD line in `datagrams`, split into name, value, kind and tags.
export function metricLines(datagrams) {
  return datagrams.flatMap((d) => d.split('\n')).filter(Boolean).map((line) => {
    const m = line.match(/^([^:|]+):([^|]+)\|([a-z])(?:\|#(.*))?$/);
    if (!m) throw new Error(`not a DogStatsD line: ${line}`);
    return { line, name: m[1], value: m[2], kind: m[3], tags: m[4] ? m[4].split(',') : [] };
  });
}

// dd-trace 5.61 with openai@4 making the scripted calls against `mockUrl`, as a child process.
// Resolves with what it sent: DogStatsD datagrams and the spans of its /v0.4/traces payloads.
export async function runDdTraceReference(mockUrl, apiKey) {
  const udp = await udpReceiver();
  const agent = await agentStandIn();
  try {
    const child = spawn(process.execPath, ['--require', 'dd-trace/init', join(here, 'reference.cjs')], {
      cwd: here,
      env: {
        ...process.env,
        REF_BASE_URL: `${mockUrl}/v1`,
        REF_API_KEY: apiKey,
        DD_DOGSTATSD_HOST: '127.0.0.1',
        DD_DOGSTATSD_PORT: String(udp.port),
        DD_TRACE_AGENT_URL: agent.url,
        DD_SERVICE: 'ddtrace-reference',
        DD_ENV: 'e2e',
        DD_VERSION: '1.0',
        DD_TRACE_OPENAI_ENABLED: 'true',
        DD_RUNTIME_METRICS_ENABLED: 'false',
        DD_INSTRUMENTATION_TELEMETRY_ENABLED: 'false',
        DD_REMOTE_CONFIGURATION_ENABLED: 'false',
        DD_TRACE_STARTUP_LOGS: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`dd-trace reference exited with ${code}: ${out}`);
    await new Promise((resolve) => setTimeout(resolve, 300));  // the last datagrams in flight
    return { calls: JSON.parse(out.trim().split('\n').pop()), datagrams: udp.take(), spans: agent.spans(), posts: agent.posts };
  } finally {
    udp.close();
    agent.close();
  }
}
