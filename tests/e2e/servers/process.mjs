// Starting and stopping the real servers the e2e tests use (Debian's prometheus and influxd): a
// free loopback port, a child that is always killed when the test process exits, and a wait for
// readiness with a timeout that shows the server's own output when it never comes up.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

// A port nothing listens on right now (the kernel's choice; released before the server binds it).
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Spawns `cmd args`, keeping its output for error messages.
export function spawnServer(cmd, args, opts = {}) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  children.add(proc);
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  proc.on('exit', () => children.delete(proc));
  proc.unref();
  proc.stdout.unref();
  proc.stderr.unref();
  return {
    proc,
    output: () => output,
    // SIGTERM, then SIGKILL if it has not exited within `graceMs`.
    stop(graceMs = 5000) {
      return new Promise((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        proc.once('exit', () => { clearTimeout(timer); resolve(); });
        proc.kill('SIGTERM');
      });
    },
  };
}

// Polls `probe()` (truthy = ready) every 100 ms until `timeoutMs`; throws with the server's output.
export async function waitUntil(server, what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server.proc.exitCode !== null)
      throw new Error(`${what} exited with ${server.proc.exitCode}:\n${server.output()}`);
    try {
      if (await probe()) return;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs} ms:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
