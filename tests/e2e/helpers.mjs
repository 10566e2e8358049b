// Starts the real llmtap binary (mock and serve) for end-to-end tests, and reads its store.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = process.env.LLMTAP_BIN;
if (!BIN) throw new Error('LLMTAP_BIN must point at the llmtap binary');
export const KEY = 'sk-e2e-test-0000000000000000abcd';

// Every process a test starts is killed when the test process exits, whatever happened.
const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

// Spawns `llmtap args...` and resolves once stdout has matched every regex in `patterns`.
export function start(args, { env = {}, patterns = [], timeoutMs = 15000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    // A leftover child must not keep the test process alive (the exit hook then kills it).
    proc.unref();
    proc.stdout.unref();
    proc.stderr.unref();
    let out = '', err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`llmtap ${args.join(' ')} did not start: ${out}${err}`));
    }, timeoutMs);
    const check = () => {
      const matches = patterns.map((p) => out.match(p));
      if (matches.every(Boolean)) {
        clearTimeout(timer);
        resolve({ proc, matches, output: () => out + err });
      }
    };
    proc.stdout.on('data', (d) => { out += d; check(); });
    proc.stderr.on('data', (d) => { err += d; });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`llmtap ${args.join(' ')} exited with ${code}: ${out}${err}`));
    });
  });
}

export async function startMock(extra = []) {
  const m = await start(['mock', '--listen', '127.0.0.1:0', ...extra], {
    patterns: [/llmtap mock listening on (https?):\/\/127\.0\.0\.1:(\d+)/],
  });
  const [, scheme, port] = m.matches[0];
  return { ...m, url: `${scheme}://127.0.0.1:${port}`, port: Number(port) };
}

export async function startProxy(upstream, { env = {}, args = [] } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'llmtap-e2e-'));
  const a = ['serve', '--listen', '127.0.0.1:0', '--admin-listen', '127.0.0.1:0', '--data-dir', dataDir, ...args];
  if (upstream) a.push('--upstream', upstream);
  const p = await start(a, {
    env,
    patterns: [/llmtap listening on http:\/\/127\.0\.0\.1:(\d+)/, /llmtap admin on http:\/\/127\.0\.0\.1:(\d+)/],
  });
  return {
    ...p,
    url: `http://127.0.0.1:${p.matches[0][1]}`,
    adminUrl: `http://127.0.0.1:${p.matches[1][1]}`,
    dataDir,
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

// Sends `signal` and resolves with the exit code (stop() of serve drains queues into the store).
export function stop(p, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (p.proc.exitCode !== null) return resolve(p.proc.exitCode);
    p.proc.removeAllListeners('exit');
    p.proc.ref();  // we are waiting for it now
    p.proc.on('exit', (code, sig) => { children.delete(p.proc); resolve(code ?? sig); });
    p.proc.kill(signal);
  });
}

// Rows of the store, through Debian's sqlite3 shell (JSON mode).
export function queryStore(dataDir, sql) {
  const out = execFileSync('sqlite3', ['-json', join(dataDir, 'llmtap.db'), sql], { encoding: 'utf8' });
  return out.trim() ? JSON.parse(out) : [];
}
