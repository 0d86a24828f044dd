import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { createUser } from '@/lib/users/create-user';
import { ADMIN_URL, note, positiveInt, runBench, withDatabase } from './common';

// How many sign-ins per second does one `next start` sustain, and at what latency? Sign-in is
// next-auth's credentials callback: Argon2id verify (m = 19 MiB, t = 2, p = 1) plus a session
// row and an audit event in one transaction. The hash dominates, and it is meant to: the figure
// to watch is the knee, the highest rate whose p95 is at most twice the p95 at one connection.
// See bench/README.md.

// autocannon ships no types; only what this script uses.
interface TAutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}
interface TAutocannonResult {
  requests: { total: number };
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface TAutocannonInstance extends PromiseLike<TAutocannonResult> {
  on(event: 'response', cb: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
}
type TAutocannon = (opts: {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  requests: Array<{
    method: string;
    path: string;
    headers: Record<string, string>;
    setupRequest?: (req: TAutocannonRequest) => TAutocannonRequest;
    onResponse?: (status: number, body: string, context: unknown, headers: Record<string, string | string[]>) => void;
  }>;
}) => TAutocannonInstance;
const autocannon = createRequire(import.meta.url)('autocannon') as TAutocannon;

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '50' },
    connections: { type: 'string', default: '1,2,4,8,16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const USERS = positiveInt('users', args.users);
const STEPS = String(args.connections)
  .split(',')
  .map((s) => positiveInt('connections', s.trim()));
const DURATION_S = positiveInt('duration', args.duration);
const WARMUP = positiveInt('warmup', args.warmup);
const PASSWORD = 'amber quarry whistle 58 tundra';
/** The knee: the highest rate whose p95 is at most this multiple of the p95 at low load. */
const KNEE_FACTOR = 2;
/** The project root: `next start` serves the build in ROOT/.next. */
const ROOT = path.resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForHealth(url: string, child: ChildProcess, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`next start did not become healthy within ${ms} ms`);
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(-child.pid!, 'SIGTERM'); // detached: the whole process group
  } catch {
    return;
  }
  const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
  if (!done) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** next-auth's double-submit CSRF pair: the token for the form body, the cookie that vouches for it. */
async function csrf(base: string): Promise<{ token: string; cookie: string }> {
  const res = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  const cookie = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .find((c) => c.includes('csrf-token='));
  if (!csrfToken || !cookie) throw new Error('GET /api/auth/csrf returned no token or cookie');
  return { token: csrfToken, cookie };
}

function signInBody(token: string, employeeId: string): string {
  return new URLSearchParams({ csrfToken: token, employeeId, password: PASSWORD, json: 'true' }).toString();
}

/**
 * A sign-in counts only when it set the session cookie: a refused one answers 401 with
 * `error=`, and a CSRF mismatch answers 200 with `csrf=true` and no session.
 */
function signedIn(status: number, body: string, headers: Record<string, string | string[]>): boolean {
  if (status !== 200) return false;
  const setCookie = Object.entries(headers)
    .filter(([k]) => k.toLowerCase() === 'set-cookie')
    .flatMap(([, v]) => v);
  if (!setCookie.some((c) => c.startsWith('custos.session=') || c.startsWith('__Secure-custos.session='))) return false;
  try {
    const { url } = JSON.parse(body) as { url?: string };
    return typeof url === 'string' && !url.includes('error=') && !url.includes('csrf=true');
  } catch {
    return false;
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

interface TStep {
  connections: number;
  signIns: number;
  failed: number;
  seconds: number;
  signInsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
}

async function runStep(base: string, employeeIds: string[], pair: { token: string; cookie: string }, connections: number, opts: { duration?: number; amount?: number }): Promise<TStep> {
  let next = Math.floor(Math.random() * employeeIds.length);
  let failed = 0;
  const latencies: number[] = [];
  const instance = autocannon({
    url: base,
    connections,
    ...opts,
    timeout: 60,
    requests: [
      {
        method: 'POST',
        path: '/api/auth/callback/credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: pair.cookie },
        // Round-robin over the users: attempts on one account queue behind its row lock, and a
        // real plant has many people signing in, not one.
        setupRequest: (req) => ({ ...req, body: signInBody(pair.token, employeeIds[next++ % employeeIds.length]) }),
        onResponse: (status, body, _context, headers) => {
          if (!signedIn(status, body, headers)) failed++;
        },
      },
    ],
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  const r = await instance;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Number(n.toFixed(1));
  return {
    connections,
    signIns: r.requests.total,
    failed: failed + r.errors + r.timeouts,
    seconds: r.duration,
    signInsPerSecond: round(latencies.length / r.duration),
    p50Ms: round(percentile(latencies, 50)),
    p95Ms: round(percentile(latencies, 95)),
    p99Ms: round(percentile(latencies, 99)),
  };
}

interface TResult {
  users: number;
  durationPerStepS: number;
  lowLoad: { p50Ms: number; p95Ms: number };
  steps: TStep[];
  knee: { connections: number; signInsPerSecond: number; p95Ms: number; limitMs: number } | null;
  failedSignIns: number;
  /** 1-minute load average before and after the steps: this figure means little on a busy machine. */
  loadAverage: { before: number; after: number };
  cpus: number;
  node: string;
  postgres: string;
}

function printTable(r: TResult) {
  const row = (c: string, n: string, rate: string, p50: string, p95: string, p99: string, f: string) =>
    `${c.padStart(11)}${n.padStart(10)}${rate.padStart(13)}${p50.padStart(10)}${p95.padStart(10)}${p99.padStart(10)}${f.padStart(8)}`;
  const lines = [
    `sign-in (next-auth credentials, Argon2id m=19 MiB t=2 p=1): ${r.users} users, ${r.durationPerStepS} s per step`,
    `low load (1 connection): p50 ${r.lowLoad.p50Ms} ms, p95 ${r.lowLoad.p95Ms} ms`,
    row('connections', 'sign-ins', 'sign-ins/s', 'p50 ms', 'p95 ms', 'p99 ms', 'failed'),
    ...r.steps.map((s) =>
      row(String(s.connections), String(s.signIns), s.signInsPerSecond.toFixed(1), s.p50Ms.toFixed(0), s.p95Ms.toFixed(0), s.p99Ms.toFixed(0), String(s.failed)),
    ),
    r.knee
      ? `knee: ${r.knee.signInsPerSecond.toFixed(1)} sign-ins/s at ${r.knee.connections} connection(s), p95 ${r.knee.p95Ms} ms (limit ${KNEE_FACTOR} × low-load p95 = ${r.knee.limitMs} ms)`
      : `knee: none — p95 exceeded ${KNEE_FACTOR} × the low-load p95 at every step`,
    `${r.cpus} CPU(s), load average ${r.loadAverage.before} before / ${r.loadAverage.after} after, node ${r.node}, ${r.postgres}`,
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  if (!existsSync(path.join(ROOT, '.next/BUILD_ID'))) {
    note('no build in .next: running next build');
    const b = spawnSync('npx', ['next', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
    if (b.status !== 0) throw new Error(`next build failed (exit ${b.status})`);
  }

  const name = `custos_bench_login_${randomBytes(6).toString('hex')}`;
  const ownerUrl = withDatabase(ADMIN_URL, name);
  const appUrl = appDatabaseUrl({ DATABASE_URL: ownerUrl, APP_DATABASE_PASSWORD: process.env.APP_DATABASE_PASSWORD });
  const keyDir = mkdtempSync(path.join(tmpdir(), 'custos-bench-login-'));
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  note(`created database ${name}`);

  let server: ChildProcess | null = null;
  let torn = false;
  const teardown = async () => {
    if (torn) return;
    torn = true;
    if (server) await stopServer(server);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e: Error) => note(`drop failed: ${e.message}`));
    await admin.end().catch(() => undefined);
    rmSync(keyDir, { recursive: true, force: true });
    note(`stopped the server, dropped database ${name}`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    note(`${signal}: tearing down`);
    teardown().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const owner = new pg.Client({ connectionString: ownerUrl });
    await owner.connect();
    let postgres: string;
    try {
      await migrate(owner);
      postgres = (await owner.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v")).rows[0].v;
    } finally {
      await owner.end();
    }

    note(`creating ${USERS} users (role Operator, one Argon2id hash each)`);
    const db = createDb(appUrl);
    const employeeIds: string[] = [];
    try {
      const ids = Array.from({ length: USERS }, (_, i) => `BENCH-${String(i + 1).padStart(4, '0')}`);
      // Two at a time: hashing is CPU-bound and this machine may have few cores.
      for (let i = 0; i < ids.length; i += 2) {
        const batch = ids.slice(i, i + 2);
        await Promise.all(
          batch.map((employeeId) =>
            createUser(db, { employeeId, displayName: `Bench ${employeeId}`, roleNames: ['Operator'], password: PASSWORD, mustChangePassword: false }, SYSTEM_CLI),
          ),
        );
        employeeIds.push(...batch);
      }
    } finally {
      await db.$disconnect();
    }

    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    note(`starting next start on ${base}`);
    server = spawn(path.join(ROOT, 'node_modules/.bin/next'), ['start', '-H', '127.0.0.1', '-p', String(port)], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
      env: {
        ...process.env,
        DATABASE_URL: ownerUrl,
        APP_DATABASE_URL: appUrl,
        CUSTOS_SIGNING_KEY_FILE: path.join(keyDir, 'audit-signing-key.pem'),
        CUSTOS_SECRETS_KEY_FILE: path.join(keyDir, 'secrets.key'),
        NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
        NEXTAUTH_URL: base,
        NEXT_TELEMETRY_DISABLED: '1',
        // The benchmark measures hashing throughput from one address, not the rate limit.
        CUSTOS_AUTH_RATE_PER_MINUTE: process.env.CUSTOS_AUTH_RATE_PER_MINUTE ?? '0',
      },
    });
    await waitForHealth(`${base}/api/health`, server, 60_000);

    const pair = await csrf(base);
    // Warm-up (JIT, route modules, connection pool), not measured; also proves the request signs in.
    const warm = await runStep(base, employeeIds, pair, 1, { amount: WARMUP });
    if (warm.failed > 0) throw new Error(`${warm.failed} of ${WARMUP} warm-up sign-ins failed: the request does not sign in`);
    note(`warm-up: ${WARMUP} sign-ins, p50 ${warm.p50Ms} ms`);

    const loadBefore = loadavg()[0];
    const steps: TStep[] = [];
    for (const c of STEPS) {
      const s = await runStep(base, employeeIds, pair, c, { duration: DURATION_S });
      note(`  ${c} connection(s): ${s.signInsPerSecond.toFixed(1)} sign-ins/s, p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms${s.failed ? `, ${s.failed} FAILED` : ''}`);
      steps.push(s);
    }

    const low = steps.find((s) => s.connections === 1) ?? (await runStep(base, employeeIds, pair, 1, { duration: DURATION_S }));
    const limitMs = Number((KNEE_FACTOR * low.p95Ms).toFixed(1));
    const within = steps.filter((s) => s.p95Ms <= limitMs && s.failed === 0);
    const best = within.reduce<TStep | null>((a, s) => (!a || s.signInsPerSecond > a.signInsPerSecond ? s : a), null);
    const failedSignIns = steps.reduce((a, s) => a + s.failed, 0);
    const result: TResult = {
      users: USERS,
      durationPerStepS: DURATION_S,
      lowLoad: { p50Ms: low.p50Ms, p95Ms: low.p95Ms },
      steps,
      knee: best && { connections: best.connections, signInsPerSecond: best.signInsPerSecond, p95Ms: best.p95Ms, limitMs },
      failedSignIns,
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      cpus: availableParallelism(),
      node: process.version,
      postgres,
    };
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else printTable(result);
    return failedSignIns === 0 ? 0 : 2;
  } finally {
    await teardown();
  }
}

runBench(main);
