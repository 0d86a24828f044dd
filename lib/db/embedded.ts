import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// The embedded default for `npm start` with no DATABASE_URL: PGlite (PostgreSQL compiled to
// WebAssembly) persisted under ./data/pgdata, served on a loopback port through pglite-socket so
// that the web server, the worker and the CLI use the same node-postgres code as with a real server.
// PGlite is one backend: connections are multiplexed onto it and share one session, so the
// application role is set once for everyone (SET ROLE custos_app) after migrations have run.

export interface TEmbeddedDatabase {
  url: string;
  port: number;
  /** true when this process owns the PGlite instance (false: reusing a running `npm start`). */
  owned: boolean;
  setAppRole(): Promise<void>;
  stop(): Promise<void>;
}

export function dataDir(): string {
  return path.resolve(/*turbopackIgnore: true*/ process.env.CUSTOS_DATA_DIR || 'data');
}

const statePath = () => path.join(dataDir(), 'embedded-db.json');

function urlFor(port: number): string {
  return `postgresql://postgres@127.0.0.1:${port}/postgres`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
  try {
    return await tryListen(preferred);
  } catch {
    return tryListen(0);
  }
}

/** The embedded database of a running `npm start`, if there is one. */
export function runningEmbedded(): { url: string; port: number; pid: number } | null {
  if (!existsSync(statePath())) return null;
  try {
    const s = JSON.parse(readFileSync(statePath(), 'utf8')) as { port: number; pid: number };
    if (s.pid !== process.pid && pidAlive(s.pid)) return { ...s, url: urlFor(s.port) };
  } catch {
    // unreadable state file: treat as not running
  }
  return null;
}

export async function startEmbeddedDatabase(opts: { port?: number } = {}): Promise<TEmbeddedDatabase> {
  const running = runningEmbedded();
  if (running) {
    return { url: running.url, port: running.port, owned: false, setAppRole: async () => {}, stop: async () => {} };
  }
  const dir = path.join(dataDir(), 'pgdata');
  mkdirSync(dir, { recursive: true });
  const db = await PGlite.create(dir);
  const port = await freePort(opts.port ?? 54329);
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 32 });
  await server.start();
  writeFileSync(statePath(), JSON.stringify({ port, pid: process.pid }));
  let stopped = false;
  return {
    url: urlFor(port),
    port,
    owned: true,
    async setAppRole() {
      await db.exec('SET ROLE custos_app');
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await server.stop();
      await db.close();
      rmSync(statePath(), { force: true });
    },
  };
}
