import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import pg from 'pg';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { createDb, type TDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { AckAfterCommitSubscriber } from '@/lib/ingest/mqtt-subscriber';
import { buildGatewayBody, buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { startMosquitto } from '@/tests/helpers/mosquitto';
import { createBenchDatabase } from './common';

// `npm run bench:ingest`: messages/s with acknowledge-after-commit through a local Mosquitto,
// for seed 000 (HMAC) and seed 001 (ECDSA) payloads, against a naive baseline measured in the
// same run (one transaction per message — one insert and one audit append — acked after its
// commit, one message at a time). Messages are queued in the broker for the worker's persistent
// session first, then the worker drains them: the figure is ingestion, not the publisher.
// The batched runs are the production path: `--connections` shared-subscription connections,
// each handing over what the broker has in flight as one batch, verified on `--verify-threads`
// threads and stored in ONE transaction (lib/ingest/store-batch.ts), acknowledged after COMMIT.
// Exit code: 0 goals met, 2 goals not met, 1 error.

const { values } = parseArgs({
  options: {
    hmac: { type: 'string', default: '30000' },
    ecdsa: { type: 'string', default: '20000' },
    baseline: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '4' },
    'verify-threads': { type: 'string', default: '2' },
    json: { type: 'boolean', default: false },
  },
});
const log = (s: string) => !values.json && console.log(s);

async function publish(url: string, topic: string, payloads: Buffer[]) {
  const c = await mqtt.connectAsync(url, { clientId: `bench-pub-${randomBytes(3).toString('hex')}` });
  for (let i = 0; i < payloads.length; i += 1000) await Promise.all(payloads.slice(i, i + 1000).map((p) => c.publishAsync(topic, p, { qos: 1 })));
  await c.endAsync();
}

/** Creates the sessions (so the broker queues for them), publishes, then drains and times it. */
async function drain(opts: { db: TDb; pool: pg.Pool; url: string; topic: string; payloads: Buffer[]; connections: number; naive: boolean; name: string; verifyThreads: number }) {
  const filter = opts.connections > 1 ? `$share/bench-${opts.name}/${opts.topic}` : opts.topic;
  const ingestor = new Ingestor(opts.db, { pool: opts.pool, verifyThreads: opts.verifyThreads });
  await ingestor.keys.load();
  await ingestor.warmUp();
  let committed = 0;
  const make = (i: number) =>
    new AckAfterCommitSubscriber({
      url: opts.url,
      clientId: `bench-${opts.name}-${i}`,
      filters: [filter],
      maxBatch: opts.naive ? 1 : 2000,
      lingerMs: opts.naive ? 0 : 2,
      onBatch: async (msgs) => {
        if (opts.naive) {
          // The baseline: each message in its own transaction, acked before the next is taken.
          for (const m of msgs) await ingestor.ingest([{ source: 'mqtt', topic: m.topic, raw: m.payload, receivedAt: m.receivedAt }]);
        } else {
          await ingestor.ingest(msgs.map((m) => ({ source: 'mqtt' as const, topic: m.topic, raw: m.payload, receivedAt: m.receivedAt })));
        }
        committed += msgs.length;
      },
    });
  // Register the persistent sessions, then leave so messages queue in the broker.
  for (let i = 0; i < opts.connections; i++) {
    const s = make(i);
    await s.start();
    await s.stop();
  }
  await publish(opts.url, opts.topic.replace('/#', '/x'), opts.payloads);
  const subs = Array.from({ length: opts.connections }, (_, i) => make(i));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(subs.map((s) => s.start()));
  while (committed < opts.payloads.length) await new Promise((r) => setTimeout(r, 20));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(subs.map((s) => s.stop()));
  await ingestor.close();
  return {
    messages: opts.payloads.length,
    seconds,
    perSecond: opts.payloads.length / seconds,
    batches: subs.reduce((a, s) => a + s.stats.batches, 0),
    // This process only (all its threads): PostgreSQL and Mosquitto use the same cores besides.
    cpuUsPerMsg: Math.round((cpu.user + cpu.system) / opts.payloads.length),
  };
}

async function main() {
  const { owner, app, drop } = await createBenchDatabase('ingest');
  const broker = await startMosquitto();
  let db: TDb | null = null;
  let pool: pg.Pool | null = null;
  try {
    const c = new pg.Client({ connectionString: owner });
    await c.connect();
    await migrate(c);
    await c.end();
    process.env.DATABASE_URL = owner;
    process.env.APP_DATABASE_URL = app;
    db = createDb(app);
    pool = new pg.Pool({ connectionString: app, max: Math.max(4, Number(values.connections)) });
    const secret = randomBytes(32);
    const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await registerDevice(db, { id: 'BENCH-HMAC', key: { hmacSecretHex: secret.toString('hex') } }, SYSTEM_CLI);
    await registerDevice(db, { id: 'BENCH-GW', sensors: ['BENCH-S1'], key: { publicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
    const hmac = (n: number, tag: string) => Array.from({ length: n }, (_, i) => buildHmacPayload({ deviceId: 'BENCH-HMAC', secret, value: `${tag}${i}.5` }));
    const connections = Number(values.connections);
    const verifyThreads = Number(values['verify-threads']);
    log(`broker ${broker.url}; generating payloads…`);
    const base = await drain({ db, pool, url: broker.url, topic: 'bench/base/#', payloads: hmac(Number(values.baseline), '1'), connections: 1, naive: true, name: 'base', verifyThreads: 0 });
    log(`baseline (1 message per transaction, acked after commit): ${base.perSecond.toFixed(0)} msg/s`);
    const h = await drain({ db, pool, url: broker.url, topic: 'bench/hmac/#', payloads: hmac(Number(values.hmac), '2'), connections, naive: false, name: 'hmac', verifyThreads });
    log(`HMAC batched: ${h.perSecond.toFixed(0)} msg/s (${h.batches} batches)`);
    let seq = 1;
    const ecdsaPayloads = Array.from({ length: Number(values.ecdsa) }, (_, i) => buildGatewayBody({ privateKey: gw.privateKey, seq: seq++, sensorId: 'BENCH-S1', value: `${i}.25` }));
    const e = await drain({ db, pool, url: broker.url, topic: 'bench/ecdsa/#', payloads: ecdsaPayloads, connections, naive: false, name: 'ecdsa', verifyThreads });
    log(`ECDSA batched: ${e.perSecond.toFixed(0)} msg/s (${e.batches} batches)`);
    const result = {
      baseline: { messages: base.messages, msgPerS: Math.round(base.perSecond), nodeCpuUsPerMsg: base.cpuUsPerMsg },
      hmac: { messages: h.messages, msgPerS: Math.round(h.perSecond), ratioToBaseline: +(h.perSecond / base.perSecond).toFixed(1), nodeCpuUsPerMsg: h.cpuUsPerMsg, batches: h.batches, goal: '>= 10000 msg/s and >= 10x baseline' },
      ecdsa: { messages: e.messages, msgPerS: Math.round(e.perSecond), nodeCpuUsPerMsg: e.cpuUsPerMsg, batches: e.batches, goal: '>= 6000 msg/s' },
      connections,
      verifyThreads,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    if (values.json) console.log(JSON.stringify(result, null, 2));
    else console.table(result);
    const met = h.perSecond >= 10_000 && h.perSecond >= 10 * base.perSecond && e.perSecond >= 6_000;
    log(met ? 'goals met' : 'goals NOT met');
    process.exitCode = met ? 0 : 2;
  } finally {
    await db?.$disconnect();
    await pool?.end();
    await broker.stop();
    await drop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
