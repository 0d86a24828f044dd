import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerification } from '@/lib/audit/run-verification';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { AckAfterCommitSubscriber } from '@/lib/ingest/mqtt-subscriber';
import { buildGatewayBody, buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { startMosquitto } from '@/tests/helpers/mosquitto';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

let t: TTestDatabase;
let broker: Awaited<ReturnType<typeof startMosquitto>>;
const secret = randomBytes(32);
const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });

beforeAll(async () => {
  t = await createTestDatabase('ingest_mqtt');
  broker = await startMosquitto();
  await registerDevice(t.db, { id: 'EDGE-TH-0042', key: { hmacSecretHex: secret.toString('hex') } }, SYSTEM_CLI);
  await registerDevice(
    t.db,
    { id: 'GW-1', sensors: ['S-1', 'S-2'], key: { publicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString() } },
    SYSTEM_CLI,
  );
}, 60_000);
afterAll(async () => {
  await broker?.stop();
  await t?.drop();
});

async function sql<T = Record<string, unknown>>(q: string, params: unknown[] = []): Promise<T[]> {
  const c = await t.app();
  try {
    return (await c.query(q, params)).rows as T[];
  } finally {
    await c.end();
  }
}

async function publishAll(payloads: Buffer[], topic = 'pharma/coldchain/wh-a/zone-3/telemetry', window = 200) {
  const client = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: `pub-${randomBytes(3).toString('hex')}` });
  for (let i = 0; i < payloads.length; i += window) {
    await Promise.all(payloads.slice(i, i + window).map((p) => client.publishAsync(topic, p, { qos: 1 })));
  }
  await client.endAsync();
}

async function waitFor(fn: () => Promise<boolean>, ms: number, what: string) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function startWorkerProcess(env: Record<string, string>): { proc: ChildProcess; output: () => string; ready: Promise<void> } {
  let out = '';
  // One process (no tsx wrapper): SIGKILL must kill the worker itself, not a parent.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker.ts'], {
    env: { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl, MQTT_URL: broker.url, CUSTOS_WORKER_QUIET: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/worker: consuming|"component":"worker".*"msg":"consuming/.test(out)) resolve();
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });
  return { proc, output: () => out, ready };
}

const count = async (q = 'SELECT count(*)::int AS n FROM telemetry') => (await sql<{ n: number }>(q))[0].n;

describe('telemetry ingestion over MQTT', () => {
  it('[11.10(e)] a published reading is stored, then acknowledged: nothing is redelivered to the session', async () => {
    const ingestor = new Ingestor(t.db);
    const make = () =>
      new AckAfterCommitSubscriber({
        url: broker.url,
        clientId: 'custos-ack-test',
        filters: ['pharma/ack/#'],
        protocolVersion: 5,
        onBatch: async (msgs) => void (await ingestor.ingest(msgs.map((m) => ({ source: 'mqtt' as const, topic: m.topic, raw: m.payload, receivedAt: m.receivedAt })))),
      });
    const sub = make();
    await sub.start();
    const before = await count();
    await publishAll([buildHmacPayload({ deviceId: 'EDGE-TH-0042', secret, value: '2.4', previous: '2.3' })], 'pharma/ack/1');
    await waitFor(async () => (await count()) === before + 1, 10_000, 'the reading');
    await sub.stop();
    const again = make();
    await again.start();
    await new Promise((r) => setTimeout(r, 1000));
    await again.stop();
    expect(again.stats.received).toBe(0);
    const [row] = await sql<{ value_text: string; device_ts: string; flags: string[] }>("SELECT value_text, device_ts, flags FROM telemetry WHERE topic = 'pharma/ack/1'");
    expect(row.value_text).toBe('2.4');
  });

  it('[URS] QoS 2 is accepted: stored once, the exchange completes, nothing is redelivered', async () => {
    const ingestor = new Ingestor(t.db);
    const make = () =>
      new AckAfterCommitSubscriber({
        url: broker.url,
        clientId: 'custos-qos2-test',
        filters: ['pharma/qos2/#'],
        qos: 2,
        onBatch: async (msgs) => void (await ingestor.ingest(msgs.map((m) => ({ source: 'mqtt' as const, topic: m.topic, raw: m.payload, receivedAt: m.receivedAt })))),
      });
    const sub = make();
    await sub.start();
    const before = await count();
    const pub = await mqtt.connectAsync(broker.url, { clientId: 'pub-qos2' });
    await pub.publishAsync('pharma/qos2/x', buildHmacPayload({ deviceId: 'EDGE-TH-0042', secret, value: '7.25' }), { qos: 2 });
    await pub.endAsync();
    await waitFor(async () => (await count()) === before + 1, 10_000, 'the QoS 2 reading');
    await new Promise((r) => setTimeout(r, 300));
    await sub.stop();
    const again = make();
    await again.start();
    await new Promise((r) => setTimeout(r, 1000));
    await again.stop();
    expect(again.stats.received).toBe(0);
    expect(await count()).toBe(before + 1);
  });

  it('[11.10(e)] kill -9 of the worker mid-stream (50k messages): everything acknowledged is stored, nothing twice, and the chain verifies', async () => {
    const n = 50_000;
    const start = Date.now();
    const payloads = Array.from({ length: n }, (_, i) =>
      buildHmacPayload({ deviceId: 'EDGE-TH-0042', secret, value: `${i}.5`, at: new Date(start - (n - i) * 1000) }),
    );
    const base = await count();
    const env = { CUSTOS_MQTT_CLIENT_ID: 'custos-kill-test', CUSTOS_MQTT_TOPICS: 'pharma/kill/#' };
    const a = startWorkerProcess(env);
    await a.ready;
    const publishing = publishAll(payloads, 'pharma/kill/x', 500);
    await waitFor(async () => (await count()) - base >= 8_000, 300_000, '8,000 stored before the kill');
    a.proc.kill('SIGKILL');
    await new Promise((r) => a.proc.once('exit', r));
    const atKill = (await count()) - base;
    await publishing;
    const b = startWorkerProcess(env);
    await b.ready;
    await waitFor(async () => (await count()) - base >= n, 480_000, 'all 50,000 stored').catch(async (e) => {
      throw new Error(`${(e as Error).message}: ${(await count()) - base} stored; worker output: ${b.output().slice(-2000)}`);
    });
    b.proc.kill('SIGTERM');
    expect(atKill).toBeLessThan(n);
    expect((await count()) - base).toBe(n);
    const dup = await sql<{ n: number }>("SELECT count(*)::int AS n FROM (SELECT value_text FROM telemetry WHERE topic = 'pharma/kill/x' GROUP BY value_text HAVING count(*) > 1) d");
    expect(dup[0].n).toBe(0);
    const c = await t.app();
    const v = await runVerification(t.db, c, { actor: SYSTEM_CLI });
    await c.end();
    expect(v.ok).toBe(true);
    const batches = await sql<{ n: number; s: number }>("SELECT count(*)::int AS n, sum(count)::int AS s FROM telemetry_batches");
    expect(batches[0].s).toBe((await count()));
  }, 900_000);

  it('[URS] two workers on a shared subscription split the load', async () => {
    const env = { CUSTOS_MQTT_SHARE: 'custos', CUSTOS_MQTT_CONNECTIONS: '1', CUSTOS_MQTT_TOPICS: 'pharma/shared/#' };
    const w1 = startWorkerProcess({ ...env, CUSTOS_MQTT_CLIENT_ID: 'custos-share-1' });
    const w2 = startWorkerProcess({ ...env, CUSTOS_MQTT_CLIENT_ID: 'custos-share-2' });
    await Promise.all([w1.ready, w2.ready]);
    const base = await count();
    const payloads = Array.from({ length: 2000 }, (_, i) => buildHmacPayload({ deviceId: 'EDGE-TH-0042', secret, value: `${i}.25`.replace('.25', '.2') + '5' }));
    await publishAll(payloads, 'pharma/shared/x', 50);
    await waitFor(async () => (await count()) - base >= 2000, 60_000, 'the shared load');
    const stopped = [w1, w2].map((w) => new Promise((r) => w.proc.once('exit', r)));
    w1.proc.kill('SIGTERM');
    w2.proc.kill('SIGTERM');
    await Promise.all(stopped);
    const committed = [w1, w2].map((w) => Number(/committed (\d+) message/.exec(w.output())?.[1] ?? -1));
    expect(committed[0] + committed[1]).toBe(2000);
    expect(Math.min(...committed)).toBeGreaterThan(200);
  }, 120_000);

  it('[11.10(e)] [Annex 11 §5] 10,000 malformed payloads: no crash, every one quarantined with a reason', async () => {
    const w = startWorkerProcess({ CUSTOS_MQTT_CLIENT_ID: 'custos-junk', CUSTOS_MQTT_TOPICS: 'pharma/junk/#' });
    await w.ready;
    const good = buildHmacPayload({ deviceId: 'EDGE-TH-0042', secret, value: '9.5' }).toString();
    const kinds = [
      (i: number) => randomBytes(1 + (i % 300)),
      (i: number) => Buffer.from(good.slice(0, 20 + (i % 500))),
      (i: number) => Buffer.from(good.replace('"value":9.5', `"value":NaN,"n":${i}`)),
      (i: number) => Buffer.from(good.replace('{', `{"device_id":"X${i}",`)),
      (i: number) => Buffer.from(good.replace('"value":9.5', `"value":${i}.5`)),
      (i: number) => Buffer.from(good.replace('EDGE-TH-0042', `UNKNOWN-${i}`)),
      (i: number) => Buffer.concat([Buffer.from(`{"pad${i}":"`), Buffer.alloc(70 * 1024, 97), Buffer.from('"}')]),
      (i: number) => Buffer.from([0xff, 0xfe, i % 256]),
      (i: number) => Buffer.from(`{"seq": ${i}, "canonical": "{}", "sig": "00", "ts": 1.0}`),
      (i: number) => Buffer.from('['.repeat(40 + (i % 10))),
    ];
    const before = (await sql<{ n: number }>('SELECT count(*)::int AS n FROM quarantine'))[0].n;
    await publishAll(Array.from({ length: 10_000 }, (_, i) => kinds[i % kinds.length](i)), 'pharma/junk/x', 500);
    await waitFor(async () => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM quarantine'))[0].n - before >= 10_000, 180_000, '10,000 quarantined');
    expect(w.proc.exitCode).toBeNull();
    const reasons = await sql<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM quarantine GROUP BY reason ORDER BY reason');
    expect(reasons.reduce((a, r) => a + r.n, 0) - before).toBe(10_000);
    expect(reasons.every((r) => r.reason.length > 0)).toBe(true);
    const audited = await sql<{ n: number }>("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.quarantine'");
    expect(audited[0].n).toBeGreaterThanOrEqual(10_000);
    w.proc.kill('SIGTERM');
  }, 240_000);

  it('[URS] the seed 001 sync body is accepted over MQTT too, once per (gateway, signed content)', async () => {
    const ingestor = new Ingestor(t.db);
    const body = buildGatewayBody({ privateKey: gw.privateKey, seq: 1, sensorId: 'S-1', value: '4.2' });
    const first = await ingestor.ingest([{ source: 'mqtt', topic: 'pharma/gw/1', raw: body, receivedAt: new Date() }]);
    const retry = await ingestor.ingest([{ source: 'mqtt', topic: 'pharma/gw/1', raw: body, receivedAt: new Date() }]);
    expect([first.stored, retry.stored, retry.duplicates]).toEqual([1, 0, 1]);
  });
});
