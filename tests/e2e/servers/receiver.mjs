// A recording HTTP receiver on loopback for the write APIs there is no Debian server for
// (InfluxDB 2.x, Guance DataKit): it keeps each request's method, path, query, headers and body
// (gunzipped when Content-Encoding says gzip) and answers with `reply(req)`.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';

export function startReceiver(reply) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (d) => chunks.push(d));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url, 'http://x');
      const r = {
        method: req.method,
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        headers: req.headers,
        raw,
        body: (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'),
      };
      requests.push(r);
      const { status = 204, headers = {}, body = '' } = reply(r) ?? {};
      res.writeHead(status, headers).end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    stop: () => new Promise((r) => server.close(r)),
  })));
}
