// A stand-in OTLP/HTTP collector for the e2e tests: a node HTTP server on 127.0.0.1 that keeps
// every request and decodes protobuf bodies with protobufjs and the published OTLP .proto files
// (the same files llmtap's encoder is generated from, fetched by scripts/setup.sh).
import { createServer } from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, 'package.json'));
const protobuf = require('protobufjs');
const protoDir = join(here, '..', '..', '..', 'third_party', 'otlp', 'protos');

function loadRoot() {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(protoDir, target);
  root.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto',
    'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
    'opentelemetry/proto/collector/logs/v1/logs_service.proto'], { keepCase: false });
  // Two fields of later OTLP revisions that llmtap also writes (opentelemetry-proto
  // trace.proto `fixed32 flags = 16;`, logs.proto `string event_name = 12;`): declared here so
  // the decoder reads them instead of skipping them.
  root.lookupType('opentelemetry.proto.trace.v1.Span').add(new protobuf.Field('flags', 16, 'fixed32'));
  root.lookupType('opentelemetry.proto.logs.v1.LogRecord').add(new protobuf.Field('eventName', 12, 'string'));
  root.resolveAll();
  return root;
}
const root = loadRoot();
const types = {
  '/v1/traces': root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  '/v1/metrics': root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  '/v1/logs': root.lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
};

// `failFirst`: paths answered 503 once, to show the retry. `status`: every answer's status.
export function collector({ failFirst = [], status = 200 } = {}) {
  const posts = [];
  const failed = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      posts.push({ path: req.url, headers: req.headers, body, at: Date.now() });
      if (failFirst.includes(req.url) && !failed.has(req.url)) {
        failed.add(req.url);
        return res.writeHead(503).end();
      }
      res.writeHead(status, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server, posts, url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => server.close(r)),
    at: (path) => posts.filter((p) => p.path === path),
  })));
}

// A protobuf request as a plain object: 64-bit numbers as Numbers, bytes as base64 strings.
export const decode = (p) => types[p.path].toObject(types[p.path].decode(p.body), { longs: Number, bytes: String, defaults: false });

// An AnyValue as a JS value (arrays and maps too).
export function value(v) {
  if (v === undefined || v === null) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('boolValue' in v) return v.boolValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  if ('kvlistValue' in v) return attrs(v.kvlistValue.values);
  return undefined;
}
export const attrs = (list) => Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
export const hex = (b64) => Buffer.from(b64 ?? '', 'base64').toString('hex');

export const spansOf = (requests) => requests.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));
export const logsOf = (requests) => requests.flatMap((r) => r.resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((s) => s.logRecords)));
