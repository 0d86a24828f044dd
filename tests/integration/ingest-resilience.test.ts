import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerification } from '@/lib/audit/run-verification';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { registerDevice } from '@/lib/devices/register-device';
import { POST as gatewaySync } from '@/app/api/ingest/gateway/route';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { Ingestor } from '@/lib/ingest/ingestor';
import { getPgPool } from '@/lib/db/pg-pool';
import { flushJunkAudits } from '@/lib/ingest/junk-audit';
import { AckAfterCommitSubscriber } from '@/lib/ingest/mqtt-subscriber';
import { proveReading } from '@/lib/ingest/prove-reading';
import { buildGatewayBody, buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { superviseWorker } from '@/scripts/supervise';
import { startMosquitto } from '@/tests/helpers/mosquitto';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// The ingest worker against the faults of an ordinary day: its database connections ended
// under load, a reading that cannot be stored, a replayed gateway body, a worker clock that is
// wrong. Real PostgreSQL and Mosquitto; the worker as its own process where the fault is one.

let t: TTestDatabase;
let owner: pg.Client;
let broker: Awaited<ReturnType<typeof startMosquitto>>;
const secret = randomBytes(32);
const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });

beforeAll(async () => {
  t = await createTestDatabase('ingest_resilience');
  owner = await t.owner();
  broker = await startMosquitto();
  await registerDevice(t.db, { id: 'EDGE-R-1', key: { hmacSecretHex: secret.toString('hex') } }, SYSTEM_CLI);
  await registerDevice(t.db, { id: 'GW-R-1', sensors: ['RS-1', 'RS-2'], key: { publicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
}, 60_000);

const postSync = (body: Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  gatewaySync(new Request('http://localhost/api/ingest/gateway', { method: 'POST', body: new Uint8Array(body), headers }));
const TEN_TO_400 = `1${'0'.repeat(400)}`;
const started: ChildProcess[] = [];
afterAll(async () => {
  // A worker a failed test left running is stopped with the file.
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await broker?.stop();
  await t?.drop();
});

/** Counts read as the owner: the application role's connections are the ones being ended. */
const count = async (q: string, params: unknown[] = []) => (await owner.query<{ n: number }>(q, params)).rows[0].n;

async function publishAll(payloads: Buffer[], topic: string, window = 200) {
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
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function workerEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl, MQTT_URL: broker.url, CUSTOS_WORKER_QUIET: '1', CUSTOS_WORKER_METRICS_ADDR: 'off', CUSTOS_LOG_FORMAT: 'json', ...env };
}

function startWorkerProcess(env: Record<string, string>, preload: string[] = []): { proc: ChildProcess; output: () => string; ready: Promise<void> } {
  let out = '';
  const proc = spawn(process.execPath, [...preload.flatMap((p) => ['--import', p]), '--import', 'tsx', 'scripts/worker.ts'], { env: workerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(proc);
  const ready = new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/"msg":"consuming/.test(out)) resolve();
    });
    proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });
  return { proc, output: () => out, ready };
}

/** Ends every connection of the application role to this test's database (as an operator or a failover would). */
async function terminateAppConnections(): Promise<number> {
  const r = await owner.query<{ n: number }>(
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND usename = 'custos_app' AND pid <> pg_backend_pid()",
    [t.name],
  );
  return r.rows[0].n;
}

describe('the ingest worker survives its database', () => {
  it('[11.10(e)] pg_terminate_backend of the worker connections ×5 under load: 0 lost, 0 duplicated, the worker alive throughout', async () => {
    const n = 12_000;
    const start = Date.now();
    const payloads = Array.from({ length: n }, (_, i) => buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: `${i}.5`, at: new Date(start - (n - i) * 1000) }));
    const topic = 'pharma/resilience/terminate';
    const w = startWorkerProcess({ CUSTOS_MQTT_CLIENT_ID: 'custos-terminate', CUSTOS_MQTT_TOPICS: 'pharma/resilience/terminate', });
    await w.ready;
    const q = `SELECT count(*)::int AS n FROM telemetry WHERE topic = '${topic}'`;
    const publishing = publishAll(payloads, topic, 500);
    let terminated = 0;
    for (let k = 1; k <= 5; k++) {
      await waitFor(async () => (await count(q)) >= k * 1500, 120_000, `${k * 1500} stored before termination ${k}`);
      // A burst, so that some land on a connection checked out for a batch, mid-transaction.
      for (let j = 0; j < 20; j++) {
        terminated += await terminateAppConnections();
        await new Promise((r) => setTimeout(r, 15));
      }
      await new Promise((r) => setTimeout(r, 150));
      expect(w.proc.exitCode, w.output().slice(-3000)).toBeNull();
    }
    await publishing;
    await waitFor(async () => (await count(q)) >= n, 240_000, `all ${n} stored`).catch((e: Error) => {
      throw new Error(`${e.message}; worker output: ${w.output().slice(-3000)}`);
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(w.proc.exitCode, w.output().slice(-3000)).toBeNull();
    expect(w.proc.signalCode).toBeNull();
    expect(terminated).toBeGreaterThanOrEqual(5);
    expect(await count(q)).toBe(n);
    expect(await count(`SELECT count(*)::int AS n FROM (SELECT value_text FROM telemetry WHERE topic = '${topic}' GROUP BY value_text HAVING count(*) > 1) d`)).toBe(0);
    const exited = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGTERM');
    await exited;
    const c = await t.app();
    const v = await runVerification(t.db, c, { actor: SYSTEM_CLI });
    expect(v.ok).toBe(true);
  }, 600_000);

  it('[Annex 11 §16] npm start supervises the worker: a killed worker is restarted after a backoff, logged, and consumes again', async () => {
    const lines: string[] = [];
    let consuming = 0;
    const sup = superviseWorker({
      env: workerEnv({ CUSTOS_MQTT_CLIENT_ID: 'custos-supervised', CUSTOS_MQTT_TOPICS: 'pharma/resilience/supervised' }),
      log: (l) => lines.push(l),
      initialBackoffMs: 300,
      output: 'pipe',
      onStart: (child) => {
        let out = '';
        let seen = false;
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (!seen && /"msg":"consuming/.test(out)) {
            seen = true;
            consuming += 1;
          }
        });
        child.stderr!.resume();
      },
    });
    try {
      // Subscribed first: the broker keeps the persistent session's messages while it is down.
      await waitFor(async () => consuming === 1, 60_000, 'the first worker consuming');
      const first = sup.child()!;
      first.kill('SIGKILL');
      await waitFor(async () => sup.restarts() === 1 && sup.child() !== null && sup.child() !== first, 10_000, 'the restart');
      expect(lines.join('\n')).toMatch(/ingest worker exited \(SIGKILL\).*restarting in 300 ms \(restart 1\)/);
      await publishAll([buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '3.5' })], 'pharma/resilience/supervised');
      await waitFor(async () => consuming === 2, 60_000, 'the restarted worker consuming');
      await waitFor(async () => (await count("SELECT count(*)::int AS n FROM telemetry WHERE topic = 'pharma/resilience/supervised'")) === 1, 30_000, 'the reading after the restart');
    } finally {
      await sup.stop();
    }
    expect(sup.restarts()).toBe(1);
  }, 180_000);
});

describe('checkpoints from the worker', () => {
  it('[11.10(e)] the standalone worker signs checkpoints (every N events), so its appends do not stay an unsigned tail', async () => {
    loadOrCreateServerKey();
    const topic = 'pharma/resilience/checkpoint';
    const w = startWorkerProcess({ CUSTOS_MQTT_CLIENT_ID: 'custos-checkpoint', CUSTOS_MQTT_TOPICS: topic, CUSTOS_CHECKPOINT_EVERY_EVENTS: '1', CUSTOS_CHECKPOINT_INTERVAL_S: '1' });
    await w.ready;
    try {
      await publishAll([buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '1.25' })], topic);
      await waitFor(async () => (await count('SELECT count(*)::int AS n FROM telemetry WHERE topic = $1', [topic])) === 1, 30_000, 'the reading');
      const batchSeq = (await owner.query<{ seq: string }>("SELECT max(audit_seq)::text AS seq FROM telemetry_batches")).rows[0].seq;
      await waitFor(async () => (await count('SELECT count(*)::int AS n FROM audit_checkpoints WHERE seq >= $1', [batchSeq])) > 0, 30_000, 'a checkpoint covering the batch');
    } finally {
      const exited = new Promise((r) => w.proc.once('exit', r));
      w.proc.kill('SIGTERM');
      await exited;
    }
  }, 60_000);
});

describe('no poison message', () => {
  it('[11.10(e)] a signed reading of 10**400 among 100 valid ones: 100 stored, it quarantined with its exact text, no redelivery loop', async () => {
    const topic = 'pharma/resilience/poison';
    const w = startWorkerProcess({ CUSTOS_MQTT_CLIENT_ID: 'custos-poison', CUSTOS_MQTT_TOPICS: topic });
    await w.ready;
    const at = Date.now() - 3_600_000;
    const valid = Array.from({ length: 100 }, (_, i) => buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: `${i}.25`, at: new Date(at + i * 1000) }));
    const poison = buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: TEN_TO_400, at: new Date(at + 50_500) });
    // Verifies, but the database refuses it (a NUL character in a text column): found by splitting.
    const refused = buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '4.5', unit: '\u0000C', at: new Date(at + 70_500) });
    // An unknown device whose id holds a NUL character: quarantined like any unknown device.
    const nulId = Buffer.from(buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '4.5', at: new Date(at + 80_500) }).toString().replaceAll('"EDGE-R-1"', '"EDGE\\u0000R"'));
    await publishAll([...valid.slice(0, 50), poison, ...valid.slice(50, 70), refused, ...valid.slice(70, 90), nulId, ...valid.slice(90)], topic, 500);
    const q = `SELECT count(*)::int AS n FROM telemetry WHERE topic = '${topic}'`;
    await waitFor(async () => (await count(q)) >= 100, 60_000, '100 stored').catch((e: Error) => {
      throw new Error(`${e.message}; worker output: ${w.output().slice(-3000)}`);
    });
    const held = async () =>
      (await owner.query<{ reason: string; detail: string; raw: Buffer }>('SELECT reason, detail, raw FROM quarantine WHERE topic = $1 ORDER BY id', [topic])).rows;
    await waitFor(async () => (await held()).length >= 3, 30_000, 'all three quarantined');
    await new Promise((r) => setTimeout(r, 2000));
    const rows = await held();
    expect(rows.map((r) => r.reason).sort()).toEqual(['store_failed', 'unknown_device', 'value_out_of_range']);
    const big = rows.find((r) => r.reason === 'value_out_of_range')!;
    expect(Buffer.from(big.raw).toString()).toContain(`"value":${TEN_TO_400}`);
    expect(big.detail).toMatch(/does not fit double precision/);
    expect(rows.find((r) => r.reason === 'store_failed')!.detail).toMatch(/SQLSTATE 22/);
    expect(await count(q)).toBe(100);
    expect(w.output()).not.toMatch(/not committed/);
    expect(w.proc.exitCode).toBeNull();
    expect(await count("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.quarantine' AND new_value->>'topic' = $1", [topic])).toBe(3);
    const exited = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGTERM');
    await exited;
  }, 120_000);

  it('[11.10(e)] over HTTP the same reading is quarantined (422 with the reason), not a 500', async () => {
    const res = await postSync(buildGatewayBody({ privateKey: gw.privateKey, seq: 900, sensorId: 'RS-1', value: TEN_TO_400 }));
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ status: 'quarantined', reason: 'value_out_of_range' });
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source = 'http' AND reason = 'value_out_of_range'")).toBe(1);
  });
});

describe('gateway replay by seq', () => {
  it('[11.10(e)] the same signed body resent with 20 different seq values is stored once; seq gaps are flagged per gateway', async () => {
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    await registerDevice(t.db, { id: 'GW-R-2', sensors: ['RS-20'], key: { publicKeyPem: key.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
    await new Promise((r) => setTimeout(r, 1100)); // the route's key store reloads at most once a second
    const at = new Date(Date.now() - 10_000);
    const body = buildGatewayBody({ privateKey: key.privateKey, seq: 1, sensorId: 'RS-20', value: '5.5', at });
    const first = await postSync(body);
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'stored' });
    for (let seq = 2; seq <= 21; seq++) {
      const replay = Buffer.from(body.toString().replace('{"seq": 1,', `{"seq": ${seq * 7},`));
      expect(replay.toString()).toContain(`"seq": ${seq * 7},`);
      const res = await postSync(replay);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'duplicate' });
    }
    expect(await count("SELECT count(*)::int AS n FROM telemetry WHERE device_id = 'GW-R-2'")).toBe(1);
    // seq is transport metadata: the next new reading after seq 1 arriving as seq 5 is flagged.
    await postSync(buildGatewayBody({ privateKey: key.privateKey, seq: 2, sensorId: 'RS-20', value: '5.6', at: new Date(at.getTime() + 1000) }));
    await postSync(buildGatewayBody({ privateKey: key.privateKey, seq: 5, sensorId: 'RS-20', value: '5.7', at: new Date(at.getTime() + 2000) }));
    await postSync(buildGatewayBody({ privateKey: key.privateKey, seq: 3, sensorId: 'RS-20', value: '5.8', at: new Date(at.getTime() + 3000) }));
    const rows = (await owner.query<{ gateway_seq: string; flags: string[] }>("SELECT gateway_seq::text, flags FROM telemetry WHERE device_id = 'GW-R-2' ORDER BY id")).rows;
    expect(rows.map((r) => [r.gateway_seq, r.flags.filter((f) => f.startsWith('seq_'))])).toEqual([
      ['1', []],
      ['2', []],
      ['5', ['seq_gap']],
      ['3', ['seq_out_of_order']],
    ]);
    // The migration's backfill computes the same content key in SQL as the ingest path does.
    const sqlKeys = await count(
      `SELECT count(*)::int AS n FROM telemetry t JOIN telemetry_keys k ON k.telemetry_id = t.id AND k.dedup_key =
         sha256(convert_to('ecdsa', 'UTF8') || '\\x00'::bytea || convert_to(t.device_id, 'UTF8') || '\\x00'::bytea
           || convert_to(encode(sha256(convert_to(t.raw::jsonb ->> 'canonical', 'UTF8')), 'hex'), 'UTF8'))
       WHERE t.device_id = 'GW-R-2'`,
    );
    expect(sqlKeys).toBe(4);
  });
});

describe('smaller ingest faults', () => {
  it('[11.10(e)] received_at is the database clock: a worker whose clock is 1 h behind does not blame the device for clock skew', async () => {
    const topic = 'pharma/resilience/clock';
    const w = startWorkerProcess({ CUSTOS_MQTT_CLIENT_ID: 'custos-clock', CUSTOS_MQTT_TOPICS: topic, CUSTOS_TEST_CLOCK_SHIFT_MS: String(-3_600_000) }, ['./tests/helpers/shift-clock.mjs']);
    await w.ready;
    await publishAll([buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '6.5', at: new Date() })], topic);
    await waitFor(async () => (await count('SELECT count(*)::int AS n FROM telemetry WHERE topic = $1', [topic])) === 1, 30_000, 'the reading');
    const exited = new Promise((r) => w.proc.once('exit', r));
    w.proc.kill('SIGTERM');
    await exited;
    const [row] = (await owner.query<{ drift_s: number; skew_s: number; flags: string[] }>(
      `SELECT abs(extract(epoch FROM received_at - now()))::float8 AS drift_s,
              abs(extract(epoch FROM received_at - device_time))::float8 AS skew_s, flags
         FROM telemetry WHERE topic = $1`,
      [topic],
    )).rows;
    expect(row.drift_s).toBeLessThan(60);
    expect(row.flags).not.toContain('late');
    // The worker's clock is an hour behind; the skew is only the transport time (the ±1 s flag
    // may be raised on a loaded machine, but never for an hour).
    expect(row.skew_s).toBeLessThan(30);
    if (row.skew_s < 0.9) expect(row.flags).not.toContain('clock_skew');
  });

  it('[URS] CUSTOS_INGEST_BATCH is a true maximum: no batch larger, however much arrives during a commit', async () => {
    const sizes: number[] = [];
    const sub = new AckAfterCommitSubscriber({
      url: broker.url,
      clientId: 'custos-batch-max',
      filters: ['pharma/resilience/batch/#'],
      maxBatch: 50,
      onBatch: async (msgs) => {
        sizes.push(msgs.length);
        await new Promise((r) => setTimeout(r, 40));
      },
    });
    await sub.start();
    try {
      await publishAll(Array.from({ length: 1000 }, (_, i) => Buffer.from(`m${i}`)), 'pharma/resilience/batch/x', 500);
      await waitFor(async () => sizes.reduce((a, n) => a + n, 0) >= 1000, 30_000, '1000 handed over');
    } finally {
      await sub.stop();
    }
    expect(sizes.reduce((a, n) => a + n, 0)).toBe(1000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
  });

  it('[11.10(e)] an HTTP body over the size limit is quarantined as a truncated prefix with its length and SHA-256', async () => {
    const huge = Buffer.concat([Buffer.from('{"seq": 1, "canonical": "'), Buffer.alloc(100 * 1024, 97), Buffer.from('", "sig": "00", "ts": 1.0}')]);
    const res = await postSync(huge);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 'quarantined', reason: 'too_large' });
    const [row] = (await owner.query<{ id: string; size: number; intact: boolean; detail: string }>(
      "SELECT id::text, octet_length(raw) AS size, sha256(raw) = raw_sha256 AS intact, detail FROM quarantine WHERE reason = 'too_large' AND source = 'http'",
    )).rows;
    const limit = Number(process.env.CUSTOS_INGEST_MAX_BYTES ?? 64 * 1024);
    expect(row.size).toBe(limit);
    expect(row.intact).toBe(true);
    const whole = createHash('sha256').update(huge).digest('hex');
    expect(row.detail).toContain(`${huge.length} bytes`);
    expect(row.detail).toContain(whole);
    // Unsigned, so junk: audited with its address's minute, the whole body's length and hash included.
    await flushJunkAudits(getPgPool(), { closeOpenMinutes: true });
    const [ev] = (await owner.query<{ entries: Array<[string, string, number?, string?]> }>(
      "SELECT e.new_value -> 'entries' AS entries FROM quarantine q JOIN quarantine_junk_audits a ON a.id = q.junk_audit_id JOIN audit_events e ON e.chain_id = a.audit_chain_id AND e.seq = a.audit_seq WHERE q.id = $1",
      [row.id],
    )).rows;
    expect(ev.entries.find((x) => x[0] === row.id)).toEqual([row.id, expect.any(String), huge.length, whole]);
  });

  it('[11.10(e)] the HTTP route checks Content-Type and accepts only the gateway format unless configured otherwise', async () => {
    const body = buildGatewayBody({ privateKey: gw.privateKey, seq: 77, sensorId: 'RS-2', value: '2.5' });
    const wrongType = await postSync(body, { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ status: 'quarantined', reason: 'unsupported_media_type' });
    const hmac = await postSync(buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '8.5' }));
    expect(hmac.status).toBe(422);
    expect(await hmac.json()).toMatchObject({ status: 'quarantined', reason: 'format_not_accepted' });
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source = 'http' AND reason IN ('unsupported_media_type', 'format_not_accepted')")).toBe(2);
    const ok = await postSync(body, { 'content-type': 'application/json; charset=utf-8' });
    expect(ok.status).toBe(200);
    process.env.CUSTOS_INGEST_HTTP_FORMATS = 'gateway,hmac';
    try {
      const allowed = await postSync(buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '8.5' }));
      expect(allowed.status).toBe(200);
    } finally {
      delete process.env.CUSTOS_INGEST_HTTP_FORMATS;
    }
  });
});

describe('telemetry proof binds the value shown', () => {
  it('[11.10(e)] a changed telemetry value / value_text / unit: prove says NOT PROVEN and which field differs from the signed payload', async () => {
    const ingestor = new Ingestor(t.db);
    await ingestor.keys.load();
    const r = await ingestor.ingest([{ source: 'mqtt', topic: 'pharma/resilience/prove', raw: buildHmacPayload({ deviceId: 'EDGE-R-1', secret, value: '4.75' }), receivedAt: new Date() }]);
    expect(r.stored).toBe(1);
    const [{ id }] = (await owner.query<{ id: string }>("SELECT id::text FROM telemetry WHERE topic = 'pharma/resilience/prove'")).rows;
    const before = await proveReading(t.db, BigInt(id));
    expect(before).toMatchObject({ valid: true, fieldsMatch: true, rootInAudit: true, reasons: [] });
    expect(before.derived.fields.find((f) => f.field === 'value_text')).toMatchObject({ stored: '4.75', derived: '4.75', equal: true });
    await owner.query("UPDATE telemetry SET value = 2.5 WHERE id = $1", [id]);
    const changed = await proveReading(t.db, BigInt(id));
    expect(changed).toMatchObject({ valid: false, fieldsMatch: false });
    expect(changed.reasons).toEqual(['value shows "2.5", the signed payload says "4.75"']);
    await owner.query("UPDATE telemetry SET value = 4.75, value_text = '2.5', unit = 'K' WHERE id = $1", [id]);
    const text = await proveReading(t.db, BigInt(id));
    expect(text.valid).toBe(false);
    expect(text.derived.fields.filter((f) => !f.equal).map((f) => f.field)).toEqual(['value_text', 'unit']);
    await owner.query("UPDATE telemetry SET value_text = '4.75', unit = '°C' WHERE id = $1", [id]);
    expect((await proveReading(t.db, BigInt(id))).valid).toBe(true);
  });
});
