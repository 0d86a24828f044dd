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

export const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

/**
 * A Mosquitto broker with the dynamic-security plugin, configured as docs/mosquitto.conf tells
 * operators (no anonymous access, one settings block, log to topic), with an admin client
 * created by `mosquitto_ctrl dynsec init`. The plugin's file is handed to the broker's user
 * (the broker drops root to it) unless `unwritableConfig`: then the broker reads it but cannot
 * save a change — the permissions pitfall docs/broker.md describes.
 */
export async function startDynsecMosquitto(opts: { unwritableConfig?: boolean; logFile?: boolean } = {}): Promise<{
  url: string;
  port: number;
  dir: string;
  dynsecFile: string;
  logFile: string | null;
  admin: { username: string; password: string };
  ctrl(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}> {
  const { execFileSync, execFile } = await import('node:child_process');
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-dynsec-'));
  const dynsecFile = path.join(dir, 'dynamic-security.json');
  const admin = { username: 'custos-admin', password: `pw-${Math.random().toString(36).slice(2)}` };
  execFileSync('mosquitto_ctrl', ['dynsec', 'init', dynsecFile, admin.username, admin.password], { stdio: 'ignore' });
  const logFile = opts.logFile ? path.join(dir, 'mosquitto.log') : null;
  if (logFile) writeFileSync(logFile, '');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    execFileSync('chown', ['-R', 'mosquitto', dir]);
    execFileSync('chmod', ['755', dir]);
    if (opts.unwritableConfig) {
      execFileSync('chown', ['root', dynsecFile]);
      execFileSync('chmod', ['644', dynsecFile]);
    }
  } else if (opts.unwritableConfig) {
    execFileSync('chmod', ['444', dynsecFile]);
  }
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'persistence false',
      'max_inflight_messages 1000',
      'max_queued_messages 0',
      'log_dest topic',
      ...(logFile ? [`log_dest file ${logFile}`] : []),
      ...['error', 'warning', 'notice', 'information', 'subscribe', 'unsubscribe'].map((t) => `log_type ${t}`),
      'connection_messages true',
      'log_timestamp true',
      'log_timestamp_format %Y-%m-%dT%H:%M:%S',
      '',
    ].join('\n'),
  );
  const proc = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  await waitForPort(port, 5000);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    dir,
    dynsecFile,
    logFile,
    admin,
    ctrl: (...args: string[]) =>
      new Promise((resolve, reject) =>
        execFile('mosquitto_ctrl', ['-h', '127.0.0.1', '-p', String(port), '-u', admin.username, '-P', admin.password, 'dynsec', ...args], (err, stdout, stderr) =>
          err ? reject(new Error(`mosquitto_ctrl ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout),
        ),
      ),
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}
