import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { appendAudit } from '@/lib/audit/append-audit';
import { ChainVerifier, type TChainRow } from '@/lib/audit/chain';
import type { TAuditEventInput } from '@/lib/audit/events';
import { verifyChain } from '@/lib/audit/verify-chain';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { createDb, type TDb } from '@/lib/db/client';
import { CopyBinaryParser } from '@/lib/db/copy-binary';
import { migrate } from '@/lib/db/migrate';
import { ADMIN_URL, fmtInt, note, positiveInt, runBench, withDatabase } from './common';

// How fast is the audit chain verified out of PostgreSQL, relative to the same SHA-256 chain
// verification over the same bytes already in memory? The baseline runs in the same process, on
// the same rows, right after; the goal is a ratio ≥ 0.8 (see bench/README.md).

const GOAL = 0.8;
const CHAIN = 'bench';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const EVENTS = positiveInt('events', args.events);
const BATCH = positiveInt('batch', args.batch);
const ROUNDS = positiveInt('rounds', args.rounds);

function event(i: number): TAuditEventInput {
  // Shaped like a record edit by a signed-in user: about 600 bytes of canonical text.
  return {
    actor: { type: 'user', id: `user-${i % 97}`, name: 'Dr. Ada Lovelace-Byron', role: 'QA Reviewer', sessionId: `s-${i % 1013}` },
    action: 'record.update',
    entityType: 'Record',
    entityId: `REC-${String(i).padStart(8, '0')}`,
    oldValue: { status: 'draft', version: i, title: 'Batch record 24-0117 – cold room 3', temperature_c: 4.5 },
    newValue: { status: 'in_review', version: i + 1, title: 'Batch record 24-0117 – cold room 3', temperature_c: 4.25 },
    reason: 'Corrected the recorded temperature after calibration check (CAL-2024-0042)',
    contextRef: `Record:REC-${i}/v${i + 1}`,
  };
}

async function appendAll(db: TDb): Promise<number> {
  const started = performance.now();
  let lastNote = started;
  for (let done = 0; done < EVENTS; ) {
    const n = Math.min(BATCH, EVENTS - done);
    const events = Array.from({ length: n }, (_, k) => event(done + k));
    await db.$transaction((tx) => appendAudit(tx, events, { chainId: CHAIN }), { timeout: 120_000, maxWait: 30_000 });
    done += n;
    const now = performance.now();
    if (now - lastNote > 2_000 || done === EVENTS) {
      lastNote = now;
      const rate = done / ((now - started) / 1000);
      note(`  appended ${fmtInt(done)}/${fmtInt(EVENTS)} (${Math.floor((done / EVENTS) * 100)}%), ${fmtInt(rate)} events/s`);
    }
  }
  return (performance.now() - started) / 1000;
}

/** The exact bytes verifyChain hashes, read the same way (binary COPY), kept in memory. */
async function loadRows(client: pg.ClientBase): Promise<TChainRow[]> {
  const rows: TChainRow[] = [];
  await pipeline(
    client.query(
      copyTo(`COPY (SELECT seq, canonical, prev_hash, hash FROM audit_events WHERE chain_id = '${CHAIN}' ORDER BY seq)
              TO STDOUT WITH (FORMAT binary)`),
    ),
    new CopyBinaryParser(),
    new Writable({
      objectMode: true,
      write(batch: Array<Array<Buffer | null>>, _enc, done) {
        for (const f of batch) {
          // Copies: the baseline must not depend on the parser's chunk buffers staying alive.
          rows.push({
            seq: f[0]!.readBigInt64BE(0),
            canonical: Buffer.from(f[1]!),
            prevHash: Buffer.from(f[2]!),
            hash: Buffer.from(f[3]!),
          });
        }
        done();
      },
    }),
  );
  return rows;
}

/** Wall time, and this process's CPU time: on a shared machine the two tell load from work. */
interface TRound {
  seconds: number;
  cpuSeconds: number;
}

function startClock() {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return (): TRound => {
    const used = process.cpuUsage(cpu);
    return { seconds: (performance.now() - wall) / 1000, cpuSeconds: (used.user + used.system) / 1e6 };
  };
}

function verifyInMemory(rows: TChainRow[]): TRound {
  const stop = startClock();
  const v = new ChainVerifier();
  for (const r of rows) if (!v.push(r)) break;
  const round = stop();
  if (v.broken || v.count !== EVENTS) {
    throw new Error(`in-memory verification failed: ${v.count} verified, ${JSON.stringify(v.broken, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}`);
  }
  return round;
}

async function verifyFromDb(client: pg.ClientBase): Promise<TRound> {
  const stop = startClock();
  const r = await verifyChain(client, { chainId: CHAIN });
  const round = stop();
  if (!r.ok || r.count !== EVENTS) throw new Error(`verification from the database failed: ${JSON.stringify(r)}`);
  return round;
}

interface TResult {
  events: number;
  batch: number;
  rounds: number;
  append: { seconds: number; eventsPerSecond: number };
  verifyFromDb: { seconds: number; eventsPerSecond: number; cpuSeconds: number };
  verifyInMemory: { seconds: number; eventsPerSecond: number; cpuSeconds: number };
  ratio: number;
  /** The same ratio from this process's CPU time: what an idle 2-core machine would show, PostgreSQL having its own core. */
  cpuRatio: number;
  goal: number;
  meetsGoal: boolean;
  peakRssMb: number;
  /** 1-minute load average when verification started and ended: high means the figures are noise. */
  loadAverage: { before: number; after: number };
  node: string;
  postgres: string;
}

function timing(seconds: number) {
  return { seconds: Number(seconds.toFixed(3)), eventsPerSecond: Math.round(EVENTS / seconds) };
}

function best(rounds: TRound[]) {
  const b = rounds.reduce((x, y) => (y.seconds < x.seconds ? y : x));
  return { ...timing(b.seconds), cpuSeconds: Number(b.cpuSeconds.toFixed(3)) };
}

function printTable(r: TResult) {
  const row = (label: string, a: string, b = '', c = '') =>
    `${label.padEnd(24)}${a.padStart(10)}${b.padStart(14)}${c.padStart(14)}`.trimEnd();
  const lines = [
    `audit chain: ${fmtInt(r.events)} events, appended in batches of ${fmtInt(r.batch)}; verification best of ${r.rounds}`,
    row('', 'seconds', 'events/s', 'node CPU s'),
    row('append', r.append.seconds.toFixed(2), fmtInt(r.append.eventsPerSecond)),
    row('verify from DB', r.verifyFromDb.seconds.toFixed(2), fmtInt(r.verifyFromDb.eventsPerSecond), r.verifyFromDb.cpuSeconds.toFixed(2)),
    row('verify in memory', r.verifyInMemory.seconds.toFixed(2), fmtInt(r.verifyInMemory.eventsPerSecond), r.verifyInMemory.cpuSeconds.toFixed(2)),
    `${row('ratio DB / in-memory', r.ratio.toFixed(2))}    goal ≥ ${r.goal}: ${r.meetsGoal ? 'met' : 'NOT met'}`,
    `${row('  by node CPU time', r.cpuRatio.toFixed(2))}    (less sensitive to other load on the machine)`,
    row('peak RSS', `${fmtInt(r.peakRssMb)} MB`),
    `load average (1 min)    ${r.loadAverage.before.toFixed(2)} → ${r.loadAverage.after.toFixed(2)} on ${availableParallelism()} CPUs`,
    `node ${r.node}, ${r.postgres}`,
  ];
  console.log(lines.join('\n'));
}

async function main(): Promise<number> {
  const name = `custos_bench_${randomBytes(6).toString('hex')}`;
  const ownerUrl = withDatabase(ADMIN_URL, name);
  const appUrl = appDatabaseUrl({ DATABASE_URL: ownerUrl, APP_DATABASE_PASSWORD: process.env.APP_DATABASE_PASSWORD });
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  note(`created database ${name}`);

  let db: TDb | null = null;
  const clients: pg.Client[] = [];
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db?.$disconnect().catch(() => undefined);
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    note(`dropped database ${name}`);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    note(`${signal}: dropping ${name}`);
    drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const connect = async (url: string) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      clients.push(c);
      return c;
    };
    const owner = await connect(ownerUrl);
    await migrate(owner);
    const postgres = (await owner.query<{ v: string }>("SELECT split_part(version(), ' on ', 1) AS v")).rows[0].v;

    note(`appending ${fmtInt(EVENTS)} events in batches of ${fmtInt(BATCH)} as the app role`);
    db = createDb(appUrl);
    const appendSeconds = await appendAll(db);
    await db.$disconnect();
    db = null;
    // What autovacuum would have done by the time anyone verifies: hint bits and the visibility
    // map are set, so the first scan below does not pay for writing them.
    await owner.query('VACUUM (ANALYZE) audit_events');

    const app = await connect(appUrl);
    note('loading the chain into memory (the same bytes verifyChain reads)');
    const rows = await loadRows(app);
    if (rows.length !== EVENTS) throw new Error(`loaded ${rows.length} rows, expected ${EVENTS}`);
    // Rounds alternate, so on a shared machine both see the same background load; the fastest
    // round of each is kept. Holding the in-memory copy during the DB rounds gives those a
    // bigger heap to live with: if anything, this favours the in-memory side.
    const dbRounds: TRound[] = [];
    const memRounds: TRound[] = [];
    const loadBefore = loadavg()[0];
    for (let i = 0; i < ROUNDS; i++) {
      const d = await verifyFromDb(app);
      note(`  round ${i + 1}: verify from DB ${d.seconds.toFixed(2)} s (node CPU ${d.cpuSeconds.toFixed(2)} s), ${fmtInt(EVENTS / d.seconds)} events/s`);
      dbRounds.push(d);
      const m = verifyInMemory(rows);
      note(`  round ${i + 1}: in memory      ${m.seconds.toFixed(2)} s (node CPU ${m.cpuSeconds.toFixed(2)} s), ${fmtInt(EVENTS / m.seconds)} events/s`);
      memRounds.push(m);
    }

    const fromDb = best(dbRounds);
    const inMemory = best(memRounds);
    const ratio = inMemory.seconds / fromDb.seconds; // = (events/s from DB) / (events/s in memory)
    const result: TResult = {
      events: EVENTS,
      batch: BATCH,
      rounds: ROUNDS,
      append: timing(appendSeconds),
      verifyFromDb: fromDb,
      verifyInMemory: inMemory,
      ratio: Number(ratio.toFixed(3)),
      cpuRatio: Number((Math.min(...memRounds.map((r) => r.cpuSeconds)) / Math.min(...dbRounds.map((r) => r.cpuSeconds))).toFixed(3)),
      goal: GOAL,
      meetsGoal: ratio >= GOAL,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      node: process.version,
      postgres,
    };
    if (args.json) console.log(JSON.stringify(result, null, 2));
    else printTable(result);
    return result.meetsGoal ? 0 : 2;
  } finally {
    await drop();
  }
}

runBench(main);
