import '@/lib/config/check-at-start';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { startCheckpointSigner } from '@/lib/audit/checkpoint-signer';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { loadOrCreateServerKey, signingKeyPath } from '@/lib/audit/server-key';
import { describeDatabaseUrl } from '@/lib/config/database-url';
import { createDb } from '@/lib/db/client';
import { dataDir, runningEmbedded } from '@/lib/db/embedded';
import { migrate } from '@/lib/db/migrate';
import { DatabaseUnreachableError, resolveDatabase, withClient } from '@/lib/db/resolve-database';
import { portInUse, startEmbeddedBroker } from '@/lib/ingest/embedded-broker';
import { bootstrapAdmin } from '@/lib/users/bootstrap-admin';
import { superviseWorker } from './supervise';

// `npm start`: everything on one machine. One line per step, so a newcomer sees progress.
const step = (msg: string) => console.log(`custos: ${msg}`);
const HOST = process.env.HOST || '127.0.0.1';
const PORT = Number(process.env.PORT || 3000);

let child: ChildProcess | null = null;
let shuttingDown = false;
let cleanup: () => Promise<void> = async () => {};
/** Stops the supervised worker (and its restarts): called first on shutdown, before anything else ends. */
let stopWorker: () => Promise<void> = async () => {};

async function main() {
  if (!process.env.DATABASE_URL) {
    const running = runningEmbedded();
    if (running) throw new Error(`Custos is already running on this data directory (pid ${running.pid}); stop it first`);
    step(`database: embedded PostgreSQL (PGlite) in ${path.relative(process.cwd(), dataDir()) || '.'}/pgdata — set DATABASE_URL to use a PostgreSQL server`);
  } else {
    step(`database: ${describeDatabaseUrl(process.env.DATABASE_URL)}`);
  }
  const db = await resolveDatabase({ migrateEmbedded: false });
  cleanup = async () => db.close();
  if (db.embedded) step(`embedded database listening on 127.0.0.1:${db.embedded.port}`);

  const migrated = await withClient(db.ownerUrl, (c) => migrate(c));
  step(
    migrated.applied.length
      ? `migrations applied: ${migrated.applied.join(', ')}`
      : `migrations: up to date (${migrated.alreadyApplied.length})`,
  );
  if (db.embedded?.owned) await db.embedded.setAppRole();

  const { key, created } = loadOrCreateServerKey();
  step(`${created ? 'created' : 'using'} audit signing key ${path.relative(process.cwd(), signingKeyPath()) || signingKeyPath()} (id ${key.keyId.slice(0, 16)}…)`);

  const prisma = createDb(db.appUrl);
  const admin = await bootstrapAdmin(prisma);
  if (admin) {
    step('first administrator created — shown once, write it down:');
    console.log(`\n    employee ID: ${admin.employeeId}\n    one-time password: ${admin.password}\n    (must be changed at first sign-in)\n`);
  } else {
    step('users: present (first administrator already created)');
  }
  const cp = await createCheckpoint(prisma, { key });
  step(cp.created ? `audit chain head seq ${cp.seq} signed` : `audit chain head seq ${cp.seq} (checkpoint current)`);
  // Afterwards every process signs (this one, the web server and the worker; one at a time per
  // chain): every CUSTOS_CHECKPOINT_INTERVAL_S or CUSTOS_CHECKPOINT_EVERY_EVENTS, whichever first.
  const signer = startCheckpointSigner(prisma, { key, log: (line) => step(line) });

  // MQTT: the configured broker, else one already listening on 127.0.0.1:1883, else Aedes.
  let stopBroker: () => Promise<void> = async () => {};
  if (process.env.MQTT_URL) {
    step(`MQTT broker: ${new URL(process.env.MQTT_URL).host}`);
  } else if (await portInUse(1883)) {
    process.env.MQTT_URL = 'mqtt://127.0.0.1:1883';
    step('MQTT broker: using the broker already listening on 127.0.0.1:1883 (set MQTT_URL to choose another)');
  } else {
    const broker = await startEmbeddedBroker(1883);
    process.env.MQTT_URL = broker.url;
    stopBroker = broker.stop;
    step('MQTT broker: embedded Aedes on 127.0.0.1:1883 (MQTT 3.1.1, in memory; set MQTT_URL for a real broker)');
  }
  // The worker is a supervised child process: restarted with backoff should it ever end.
  const worker = superviseWorker({
    env: { ...process.env, DATABASE_URL: db.ownerUrl, APP_DATABASE_URL: db.appUrl },
    log: (line) => step(line),
  });
  stopWorker = () => worker.stop();
  step('ingest worker: running, supervised (topics ' + (process.env.CUSTOS_MQTT_TOPICS || 'pharma/#') + ')');

  if (needsBuild()) {
    step('building the web application (first start or sources changed; takes a minute or two)');
    await run('npx', ['next', 'build']);
  } else {
    step('web application: build is current');
  }

  step(`serving on http://${HOST}:${PORT}  (Ctrl-C stops everything)`);
  const env = {
    ...process.env,
    DATABASE_URL: db.ownerUrl,
    APP_DATABASE_URL: db.appUrl,
    NEXTAUTH_URL: process.env.NEXTAUTH_URL || `http://${HOST}:${PORT}`,
    NEXT_TELEMETRY_DISABLED: '1',
  };
  // next itself, not through npx: a signal to this process's child reaches the server, not a wrapper.
  child = spawn(process.execPath, [path.resolve('node_modules/next/dist/bin/next'), 'start', '-H', HOST, '-p', String(PORT)], { stdio: 'inherit', env });
  child.on('exit', (code) => {
    if (!shuttingDown) {
      console.error(`custos: web server exited (${code}); stopping`);
      void shutdown(code ?? 1);
    }
  });
  cleanup = async () => {
    signer.stop();
    await worker.stop().catch(() => undefined);
    await stopBroker().catch(() => undefined);
    await prisma.$disconnect();
    await db.close();
  };
}

/** A build is needed when there is none, or when any source file is newer than it. */
function needsBuild(): boolean {
  const buildId = path.resolve('.next/BUILD_ID');
  if (!existsSync(buildId)) return true;
  const built = statSync(buildId).mtimeMs;
  const newest = (dir: string): number => {
    if (!existsSync(dir)) return 0;
    let max = 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) max = Math.max(max, newest(p));
      else max = Math.max(max, statSync(p).mtimeMs);
    }
    return max;
  };
  const sources = ['app', 'components', 'lib', 'public'].map((d) => newest(d));
  const configs = ['next.config.ts', 'package.json', 'postcss.config.mjs'].map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0));
  return Math.max(...sources, ...configs) > built;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code})`))));
  });
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  step('stopping');
  // Ctrl-C reaches the worker too: it must not be restarted while everything stops.
  const workerStopped = stopWorker().catch(() => undefined);
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => child!.once('exit', r));
  }
  await workerStopped;
  await cleanup().catch(() => undefined);
  step('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch(async (e: unknown) => {
  const msg = e instanceof DatabaseUnreachableError || (e as Error)?.name === 'MigrationError' ? (e as Error).message : String((e as Error)?.stack ?? e);
  console.error(`custos: ${e instanceof DatabaseUnreachableError ? msg : `start failed: ${msg}`}`);
  await cleanup().catch(() => undefined);
  process.exit(1);
});
