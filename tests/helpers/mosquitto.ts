import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// A real Mosquitto broker per test file, on a free loopback port, configured the way the README
// tells operators to run it for Custos: a large in-flight window (the worker batches what the
// broker lets it have unacknowledged) and no cap on queued messages for persistent sessions.

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForPort(port: number, ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => {
        c.end();
        r(true);
      });
      c.on('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port}`);
}

/** With `tls`, the listener requires TLS and a client certificate signed by the CA (mTLS). */
export async function startMosquitto(
  opts: { tls?: { ca: string; cert: string; key: string } } = {},
): Promise<{ url: string; port: number; stop(): Promise<void>; proc: ChildProcess }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-mqtt-'));
  const conf = path.join(dir, 'mosquitto.conf');
  const tls = opts.tls ? [`cafile ${opts.tls.ca}`, `certfile ${opts.tls.cert}`, `keyfile ${opts.tls.key}`, 'require_certificate true'] : [];
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, ...tls, 'allow_anonymous true', 'persistence false', 'max_inflight_messages 1000', 'max_queued_messages 0', 'log_dest none', ''].join('\n'),
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port, 5000);
  return {
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${port}`,
    port,
    proc,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
