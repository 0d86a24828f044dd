import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { createBenchDatabase, note, positiveInt, postgresCpuSeconds, runBench } from './common';

// `npx tsx bench/gateway-store.ts [--group 32] [--groups 300] [--gateways 64] [--sql]`: the
// transaction of one gateway group (Ingestor.storeVerdicts, lib/ingest/store-batch.ts) alone,
// without HTTP, one group after the other on real PostgreSQL: milliseconds per group and CPU per
// reading of this process and of PostgreSQL. `--sql` adds the time to each statement's answer.
// A tool for looking at the transaction, not a goal: it always exits 0.
const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '64' },
    group: { type: 'string', default: '32' },
    groups: { type: 'string', default: '300' },
    sql: { type: 'boolean', default: false },
  },
});
const GATEWAYS = positiveInt('gateways', values.gateways);
const GROUP = positiveInt('group', values.group);
const GROUPS = positiveInt('groups', values.groups);


const sqlTimes = new Map<string, { n: number; ms: number }>();
if (values.sql) {
  const orig = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  (pg.Client.prototype as unknown as { query: unknown }).query = function (this: pg.Client, ...a: unknown[]) {
    const text = typeof a[0] === 'string' ? a[0] : ((a[0] as { text?: string })?.text ?? '?');
    const key = text.replace(/\s+/g, ' ').slice(0, 70);
    const t = performance.now();
    const r = orig.apply(this, a) as Promise<unknown>;
    if (r && typeof r.then === 'function') void r.then(() => { const e = sqlTimes.get(key) ?? { n: 0, ms: 0 }; e.n++; e.ms += performance.now() - t; sqlTimes.set(key, e); }, () => undefined);
    return r;
  };
}

async function main(): Promise<number> {
  const { owner, app, drop } = await createBenchDatabase('store');
  const c = new pg.Client({ connectionString: owner });
  await c.connect();
  try {
    await migrate(c);
    process.env.DATABASE_URL = owner;
    process.env.APP_DATABASE_URL = app;
    const db = createDb(app);
    const keys: KeyObject[] = [];
    for (let g = 0; g < GATEWAYS; g++) {
      const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      keys.push(k.privateKey);
      await registerDevice(db, { id: `BGW-${g}`, sensors: [`BS-${g}`], key: { publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
    }
    const ing = new Ingestor(db);
    const seqs = new Map<number, number>();
    const groups = [];
    for (let n = 0; n < GROUPS + 10; n++) {
      const msgs = Array.from({ length: GROUP }, (_, i) => {
        const g = (n * GROUP + i) % GATEWAYS;
        const seq = (seqs.get(g) ?? 0) + 1;
        seqs.set(g, seq);
        return { source: 'http' as const, topic: null, raw: Buffer.from(buildGatewayBody({ privateKey: keys[g], seq, sensorId: `BS-${g}`, value: `${g}.${seq}` })), receivedAt: new Date() };
      });
      groups.push(await ing.verifyMessages(msgs));
    }
    for (const v of groups.slice(0, 10)) await ing.storeVerdicts(v);
    sqlTimes.clear();
    const pg0 = postgresCpuSeconds();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const v of groups.slice(10)) await ing.storeVerdicts(v);
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const pgs = postgresCpuSeconds() - pg0;
    const readings = GROUPS * GROUP;
    note(`groups of ${GROUP}: ${(ms / GROUPS).toFixed(2)} ms/group, ${Math.round(readings / (ms / 1000))} readings/s; µs/reading: node ${Math.round((cpu.user + cpu.system) / readings)} (sys ${Math.round(cpu.system / readings)}), PostgreSQL ${Math.round((pgs * 1e6) / readings)}`);
    for (const [k, v] of [...sqlTimes].sort((a, b) => b[1].ms - a[1].ms)) note(`${(v.ms / v.n).toFixed(3).padStart(8)} ms × ${v.n}  ${k}`);
    await db.$disconnect();
    return 0;
  } finally {
    await c.end();
    await drop();
  }
}
runBench(main);
