import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { verifyChain } from '@/lib/audit/verify-chain';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { registerDevice } from '@/lib/devices/register-device';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { createBenchDatabase, fmtInt, note, positiveInt, postgresCpuSeconds, runBench } from './common';
import { floorRun } from './http-floor';
import { eachGatewayInTurn, KeepAliveConnection } from './keepalive-client';

// `npm run bench:gateway`: seed 001 gateway syncs (one signed reading per POST) against
// `next start` on real PostgreSQL, in one run:
//   grouped     --gateways concurrent gateways (default 64), each posting its readings one after
//               the other, waiting for each answer (as SecureTelemetryGateway.sync_pending does);
//   sequential  one gateway alone;
//   naive       the same concurrent load with CUSTOS_GATEWAY_GROUP_COMMIT=off — one transaction
//               and one audit event per POST, the endpoint as it was — the baseline.
// Every run checks what it measured: every 200 "stored" is one row, nothing else was stored,
// and the audit chain verifies. Goals: grouped ≥ 5,000 readings/s, its p99 ≤ 250 ms, and ≥ 20×
// the naive baseline. Beside them, the machine's ceiling (bench/http-floor.ts): the same posts to
// a bare node:http server that only parses each body and checks its signature; the grouped
// case's share of it compares across machines where readings/s do not. Needs a build (`npm run build`; made here when there is none).
// Exit code: 0 goals met, 2 not met, 1 error.

const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '64' },
    readings: { type: 'string', default: '200' },
    sequential: { type: 'string', default: '2000' },
    naive: { type: 'string', default: '40' },
    port: { type: 'string', default: '3470' },
    json: { type: 'boolean', default: false },
    standalone: { type: 'boolean', default: false },
    client: { type: 'string', default: 'raw' },
  },
});
const GATEWAYS = positiveInt('gateways', values.gateways);
const READINGS = positiveInt('readings', values.readings);
const SEQUENTIAL = positiveInt('sequential', values.sequential);
const NAIVE = positiveInt('naive', values.naive);
const PORT = positiveInt('port', values.port);
const ROOT = process.cwd();
// `raw`: one keep-alive socket per gateway, requests pre-built (bench/keepalive-client.ts);
// `agent`: node:http with a keep-alive Agent (2–3× the client CPU per post, taken from the shared cores).
const CLIENT = values.client;
if (CLIENT !== 'raw' && CLIENT !== 'agent') {
  console.error(`--client must be raw or agent, got ${CLIENT}`);
  process.exit(1);
}

interface TRun {
  name: string;
  posts: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  statuses: Record<string, number>;
  stored: number;
  serverCpuUsPerPost: number;
  postgresCpuUsPerPost: number;
  clientCpuUsPerPost: number;
}

/** CPU seconds used so far by the server's processes (its process group), from /proc. */
function serverCpuSeconds(pgid: number | undefined): number {
  if (!pgid) return 0;
  let ticks = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}
let serverPgid: number | undefined;


const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function post(body: Buffer): Promise<{ status: number; stored: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: PORT, path: '/api/ingest/gateway', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, stored: Buffer.concat(chunks).includes('"status":"stored"') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Each gateway posts its bodies one after the other; all gateways at once. */
async function drive(name: string, perGateway: Buffer[][]): Promise<TRun> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let stored = 0;
  // The raw client's requests are built before the clock starts, as a gateway has its body ready.
  const connections = perGateway.map(() => new KeepAliveConnection('127.0.0.1', PORT));
  const requests = perGateway.map((bodies) => bodies.map((b) => KeepAliveConnection.post('127.0.0.1', PORT, '/api/ingest/gateway', 'application/json', b)));
  const send = async (g: number, i: number) => {
    if (CLIENT === 'agent') return post(perGateway[g][i]);
    const r = await connections[g].request(requests[g][i]);
    return { status: r.status, stored: r.body.includes('"status":"stored"') };
  };
  const cpu0 = serverCpuSeconds(serverPgid);
  const pg0 = postgresCpuSeconds();
  const self0 = process.cpuUsage();
  const seconds = await eachGatewayInTurn(
    perGateway.map((b) => b.length),
    send,
    (r, ms) => {
      latencies.push(ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.stored) stored++;
    },
  );
  for (const c of connections) c.close();
  const serverCpuUsPerPost = Math.round(((serverCpuSeconds(serverPgid) - cpu0) * 1e6) / latencies.length);
  const postgresCpuUsPerPost = Math.round(((postgresCpuSeconds() - pg0) * 1e6) / latencies.length);
  const self = process.cpuUsage(self0);
  const clientCpuUsPerPost = Math.round((self.user + self.system) / latencies.length);
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => +latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(1);
  const posts = latencies.length;
  const run = { name, posts, seconds: +seconds.toFixed(2), perSecond: Math.round(posts / seconds), p50: pct(0.5), p99: pct(0.99), max: +latencies[posts - 1].toFixed(1), statuses, stored, serverCpuUsPerPost, postgresCpuUsPerPost, clientCpuUsPerPost };
  note(`${name}: ${fmtInt(run.perSecond)} readings/s (${posts} posts in ${run.seconds} s), p50 ${run.p50} ms, p99 ${run.p99} ms, CPU µs/post: server ${run.serverCpuUsPerPost}, PostgreSQL ${run.postgresCpuUsPerPost}, client ${run.clientCpuUsPerPost}; statuses ${JSON.stringify(statuses)}`);
  return run;
}

async function startServer(env: Record<string, string>): Promise<ChildProcess> {
  // BENCH_SERVER_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) go to the server's node.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = values.standalone
    ? [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'bench/gateway-standalone-server.ts')]
    : [...nodeArgs, path.join(ROOT, 'node_modules/next/dist/bin/next'), 'start', '-H', '127.0.0.1', '-p', String(PORT)];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(PORT) }, stdio: ['ignore', 'ignore', 'inherit'], detached: true });
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${PORT}/api/health`).then((r) => r.ok, () => false);
    if (ok) {
      serverPgid = child.pid;
      return child;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('next start did not become healthy within 60 s');
}

async function stopServer(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
  agent.destroy();
}

async function main(): Promise<number> {
  if (!existsSync(path.join(ROOT, '.next/BUILD_ID'))) {
    note('no build found: running next build (a few minutes)…');
    if (spawnSync(path.join(ROOT, 'node_modules/.bin/next'), ['build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('next build failed');
  }
  const { owner, app, drop } = await createBenchDatabase('gateway');
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-bench-gw-'));
  let server: ChildProcess | null = null;
  const c = new pg.Client({ connectionString: owner });
  await c.connect();
  try {
    await migrate(c);
    const env = {
      DATABASE_URL: owner,
      APP_DATABASE_URL: app,
      CUSTOS_SIGNING_KEY_FILE: path.join(dir, 'audit-signing-key.pem'),
      CUSTOS_SECRETS_KEY_FILE: path.join(dir, 'secrets.key'),
      CUSTOS_BACKUP_DIR: path.join(dir, 'backups'),
      CUSTOS_BACKUP_KEY_FILE: path.join(dir, 'backup.key'),
      CUSTOS_BACKUP_SCHEDULE: 'off',
      NEXTAUTH_SECRET: randomBytes(32).toString('base64url'),
      NEXTAUTH_URL: `http://127.0.0.1:${PORT}`,
      NEXT_TELEMETRY_DISABLED: '1',
      CUSTOS_LOG_LEVEL: 'warn',
    };
    Object.assign(process.env, env);
    const db = createDb(app);
    const keys: KeyObject[] = [];
    for (let g = 0; g <= GATEWAYS; g++) {
      const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      keys.push(k.privateKey);
      await registerDevice(db, { id: `BGW-${g}`, sensors: [`BS-${g}`], key: { publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
    }
    await db.$disconnect();
    note(`signing ${fmtInt(GATEWAYS * (READINGS + NAIVE + 5) + SEQUENTIAL)} readings…`);
    const seqs = new Map<number, number>();
    const body = (g: number) => {
      const seq = (seqs.get(g) ?? 0) + 1;
      seqs.set(g, seq);
      return buildGatewayBody({ privateKey: keys[g], seq, sensorId: `BS-${g}`, value: `${g}.${seq}` });
    };
    const batch = (n: number) => Array.from({ length: GATEWAYS }, (_, g) => Array.from({ length: n }, () => body(g)));
    const warm = batch(5);
    const grouped = batch(READINGS);
    const sequential = [Array.from({ length: SEQUENTIAL }, () => body(GATEWAYS))];
    const naive = batch(NAIVE);

    server = await startServer({ ...env, CUSTOS_GATEWAY_GROUP_COMMIT: 'on' });
    await drive('warm-up', warm);
    const idle0 = serverCpuSeconds(serverPgid);
    await new Promise((r) => setTimeout(r, 3000));
    note(`server idle: ${(((serverCpuSeconds(serverPgid) - idle0) / 3) * 100).toFixed(0)} % of a core`);
    const g = await drive(`grouped (${GATEWAYS} gateways)`, grouped);
    const s = await drive('sequential (1 gateway)', sequential);
    await stopServer(server);
    const f = await floorRun('verify', GATEWAYS, READINGS, PORT + 2);
    note(`ceiling (${GATEWAYS} gateways, bare node:http, parse and verify only): ${fmtInt(f.perSecond)} requests/s, CPU µs/request: server ${f.serverCpuUsPerRequest}, client ${f.clientCpuUsPerRequest}; grouped reached ${((g.perSecond / f.perSecond) * 100).toFixed(0)} % of it`);
    server = await startServer({ ...env, CUSTOS_GATEWAY_GROUP_COMMIT: 'off' });
    const n = await drive(`naive (${GATEWAYS} gateways, one transaction per post)`, naive);
    await stopServer(server);
    server = null;

    // What was measured is what was stored: one row per "stored" answer, and a chain that verifies.
    const posted = GATEWAYS * (5 + READINGS + NAIVE) + SEQUENTIAL;
    const storedAnswers = [g, s, n].reduce((a, r) => a + r.stored, 0) + GATEWAYS * 5;
    const { rows } = await c.query<{ n: number; batches: number; events: number }>(
      "SELECT (SELECT count(*)::int FROM telemetry) AS n, (SELECT count(*)::int FROM telemetry_batches) AS batches, (SELECT count(*)::int FROM audit_events WHERE action = 'telemetry.batch') AS events",
    );
    const chain = await verifyChain(c, {});
    const allOk = [g, s, n, f].every((r) => Object.keys(r.statuses).every((k) => k === '200'));
    const result = {
      grouped: { readingsPerS: g.perSecond, p50Ms: g.p50, p99Ms: g.p99, maxMs: g.max, posts: g.posts, cpuUsPerPost: { server: g.serverCpuUsPerPost, postgres: g.postgresCpuUsPerPost, client: g.clientCpuUsPerPost }, goal: '>= 5000 readings/s, p99 <= 250 ms' },
      sequential: { readingsPerS: s.perSecond, p50Ms: s.p50, p99Ms: s.p99, posts: s.posts, cpuUsPerPost: { server: s.serverCpuUsPerPost, postgres: s.postgresCpuUsPerPost, client: s.clientCpuUsPerPost } },
      naive: { readingsPerS: n.perSecond, p50Ms: n.p50, p99Ms: n.p99, posts: n.posts, cpuUsPerPost: { server: n.serverCpuUsPerPost, postgres: n.postgresCpuUsPerPost, client: n.clientCpuUsPerPost } },
      ceiling: { requestsPerS: f.perSecond, cpuUsPerRequest: { server: f.serverCpuUsPerRequest, client: f.clientCpuUsPerRequest }, groupedShare: +(g.perSecond / f.perSecond).toFixed(2), what: 'bare node:http server: parse each body and verify its P-256 signature, store nothing' },
      ratioGroupedToNaive: +(g.perSecond / n.perSecond).toFixed(1),
      ratioGoal: '>= 20',
      check: { posted, storedAnswers, telemetryRows: rows[0].n, batches: rows[0].batches, batchEvents: rows[0].events, chainVerifies: chain.ok, every200: allOk },
    };
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.log(JSON.stringify(result, null, 2));
    const honest = allOk && storedAnswers === posted && rows[0].n === posted && chain.ok;
    if (!honest) {
      note('the check FAILED: what was answered is not what was stored');
      return 1;
    }
    const met = g.perSecond >= 5000 && g.p99 <= 250 && g.perSecond >= 20 * n.perSecond;
    note(met ? 'goals met' : 'goals NOT met');
    return met ? 0 : 2;
  } finally {
    await stopServer(server);
    await c.end();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

runBench(main);
