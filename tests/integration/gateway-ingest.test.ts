import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POST as gatewaySync } from '@/app/api/ingest/gateway/route';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { registerDevice } from '@/lib/devices/register-device';
import { getPgPool } from '@/lib/db/pg-pool';
import { gatewayCommitsOnThread, stopGatewayCommitThread } from '@/lib/ingest/gateway-endpoint';
import { flushJunkAudits, JUNK_ACTION, verifyJunkAudits } from '@/lib/ingest/junk-audit';
import { leafHash, merkleRoot } from '@/lib/ingest/merkle';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// POST /api/ingest/gateway in signature mode (the default): group commit, per-source limits and
// the aggregated audit of unauthenticated junk. Real PostgreSQL, the route handler itself.

let t: TTestDatabase;
let owner: pg.Client;
const GATEWAYS = 64;
const keys: KeyObject[] = [];
const ENV = ['CUSTOS_GATEWAY_RATE', 'CUSTOS_GATEWAY_JUNK_RATE', 'CUSTOS_GATEWAY_QUARANTINE_BYTES_PER_HOUR', 'CUSTOS_GATEWAY_GROUP_COMMIT'];

beforeAll(async () => {
  t = await createTestDatabase('gateway_ingest');
  owner = await t.owner();
  for (let i = 0; i < GATEWAYS; i++) {
    const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    keys.push(k.privateKey);
    await registerDevice(t.db, { id: `GW-${i}`, sensors: [`S-${i}`], key: { publicKeyPem: k.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, SYSTEM_CLI);
  }
}, 120_000);
afterEach(() => {
  for (const k of ENV) delete process.env[k];
});
afterAll(async () => {
  await owner?.end();
  await t?.drop();
});

const post = (body: Buffer | string, from: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  gatewaySync(new Request('http://localhost/api/ingest/gateway', { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...headers, 'x-forwarded-for': from } }));
const count = async (q: string, params: unknown[] = []) => (await owner.query<{ n: number }>(q, params)).rows[0].n;

describe('group commit', () => {
  it('[11.10(e)] 64 concurrent gateways: every 200 is stored exactly once, posts share transactions and audit events, the chain verifies', async () => {
    const perGateway = 30;
    const before = await count("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.batch'");
    const answers: Array<{ gw: number; seq: number; status: number; body: { status: string; batchId: string | null } }> = [];
    await Promise.all(
      Array.from({ length: GATEWAYS }, async (_, gw) => {
        for (let seq = 1; seq <= perGateway; seq++) {
          const body = buildGatewayBody({ privateKey: keys[gw], seq, sensorId: `S-${gw}`, value: `${gw}.${seq}` });
          const r = await post(body, '10.1.0.1');
          answers.push({ gw, seq, status: r.status, body: await r.json() });
          // Every fifth reading is sent twice, as a gateway whose answer was lost would.
          if (seq % 5 === 0) {
            const again = await post(body, '10.1.0.1');
            answers.push({ gw, seq, status: again.status, body: await again.json() });
          }
        }
      }),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    // The groups were committed on the commit thread (CUSTOS_GATEWAY_COMMIT_THREAD=on, the default).
    expect(gatewayCommitsOnThread()).toBe(true);
    const stored = answers.filter((a) => a.body.status === 'stored');
    expect(stored).toHaveLength(GATEWAYS * perGateway);
    expect(answers.filter((a) => a.body.status === 'duplicate')).toHaveLength((GATEWAYS * perGateway) / 5);
    expect(await count("SELECT count(*)::int AS n FROM telemetry WHERE device_id LIKE 'GW-%'")).toBe(GATEWAYS * perGateway);
    expect(await count("SELECT count(*)::int AS n FROM (SELECT device_id, value_text FROM telemetry GROUP BY 1, 2 HAVING count(*) > 1) d")).toBe(0);
    // Grouped: fewer transactions (batches, one audit event each) than readings.
    const batches = (await count("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.batch'")) - before;
    expect(batches).toBeLessThan((GATEWAYS * perGateway) / 4);
    // Each stored answer names the batch that holds it, and each batch's Merkle root is its rows'.
    const { rows } = await owner.query<{ batch_id: string; ids: string[]; shas: Buffer[]; root: Buffer }>(
      `SELECT b.id::text AS batch_id, array_agg(t.id::text ORDER BY t.id) AS ids, array_agg(t.raw_sha256 ORDER BY t.id) AS shas, b.merkle_root AS root
       FROM telemetry_batches b JOIN telemetry t ON t.batch_id = b.id WHERE t.device_id LIKE 'GW-%' GROUP BY b.id`,
    );
    for (const b of rows) expect(merkleRoot(b.ids.map((id, i) => leafHash(BigInt(id), b.shas[i]))).equals(b.root)).toBe(true);
    const batchOf = new Set(rows.map((b) => b.batch_id));
    expect(stored.every((a) => a.body.batchId !== null && batchOf.has(a.body.batchId))).toBe(true);
    // Per gateway, seq order is storage order: no gateway's reading was flagged out of order.
    expect(await count("SELECT count(*)::int AS n FROM telemetry WHERE device_id LIKE 'GW-%' AND 'seq_out_of_order' = ANY(flags)")).toBe(0);
    const v = await verifyChain(owner, { trustedPublicKeyPem: loadOrCreateServerKey(t.keyFile).key.publicKeyPem });
    expect(v.ok).toBe(true);
  }, 120_000);

  it('[11.10(e)] a commit thread that stops: later groups are committed on the main thread, nothing is lost', async () => {
    expect(gatewayCommitsOnThread()).toBe(true);
    await stopGatewayCommitThread();
    expect(gatewayCommitsOnThread()).toBe(false);
    const rs = await Promise.all(Array.from({ length: 16 }, (_, gw) => post(buildGatewayBody({ privateKey: keys[gw], seq: 500, sensorId: `S-${gw}`, value: '77.125' }), '10.1.0.4')));
    expect(rs.map((r) => r.status)).toEqual(Array(16).fill(200));
    expect(await count("SELECT count(*)::int AS n FROM telemetry WHERE value_text = '77.125'")).toBe(16);
  });

  it('[11.10(e)] CUSTOS_GATEWAY_GROUP_COMMIT=off: one transaction and one audit event per post', async () => {
    process.env.CUSTOS_GATEWAY_GROUP_COMMIT = 'off';
    const before = await count("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.batch'");
    const rs = await Promise.all(Array.from({ length: 8 }, (_, gw) => post(buildGatewayBody({ privateKey: keys[gw], seq: 100, sensorId: `S-${gw}`, value: '7.5' }), '10.1.0.2')));
    expect(rs.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect((await count("SELECT count(*)::int AS n FROM audit_events WHERE action = 'telemetry.batch'")) - before).toBe(8);
  });
});

describe('limits and junk', () => {
  it('[Annex 11 §12] over the per-gateway rate: 429 with Retry-After and nothing stored', async () => {
    process.env.CUSTOS_GATEWAY_RATE = '1';
    const bodies = [1, 2, 3, 4].map((seq) => buildGatewayBody({ privateKey: keys[60], seq: 1000 + seq, sensorId: 'S-60', value: `60.${seq}9` }));
    const before = await count("SELECT count(*)::int AS n FROM telemetry WHERE device_id = 'GW-60'");
    const rs = [];
    for (const b of bodies) rs.push(await post(b, '10.1.0.3'));
    const statuses = rs.map((r) => r.status);
    // A burst of two (2 × rate), then refused until the bucket refills.
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.slice(2)).toEqual([429, 429]);
    expect(Number(rs[2].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await rs[2].json()).toMatchObject({ status: 'throttled', reason: 'rate', source: 'gateway:GW-60' });
    expect((await count("SELECT count(*)::int AS n FROM telemetry WHERE device_id = 'GW-60'")) - before).toBe(2);
  });

  it('[Annex 11 §12] over the quarantine allowance of an address: 429 with Retry-After and nothing stored', async () => {
    process.env.CUSTOS_GATEWAY_JUNK_RATE = '0';
    process.env.CUSTOS_GATEWAY_QUARANTINE_BYTES_PER_HOUR = '1000';
    const junk = (i: number) => `{"junk": ${i}}`.padEnd(100, ' '); // 100 bytes each: ten fit in 1,000
    const statuses: number[] = [];
    for (let i = 0; i < 14; i++) statuses.push((await post(junk(i), '10.2.0.1')).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(422));
    expect(statuses.slice(10)).toEqual([429, 429, 429, 429]);
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source_address = '10.2.0.1'")).toBe(10);
    const r = await post(junk(99), '10.2.0.1');
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(60);
    // Another address has its own allowance.
    expect((await post(junk(1), '10.2.0.2')).status).toBe(422);
  });

  it('[Annex 11 §12] at the default junk rate an address flooding the endpoint gets 429s, and what is refused is not stored', async () => {
    const started = Date.now();
    const rs = await Promise.all(Array.from({ length: 200 }, (_, i) => post(`flood ${i}`, '10.6.0.1')));
    const elapsed = (Date.now() - started) / 1000;
    const stored = rs.filter((r) => r.status === 422).length;
    const refused = rs.filter((r) => r.status === 429);
    expect(stored + refused.length).toBe(200);
    // Burst 20, then 5 per second.
    expect(stored).toBeLessThanOrEqual(20 + Math.ceil(5 * elapsed) + 1);
    expect(refused.length).toBeGreaterThan(150);
    expect(refused.every((r) => Number(r.headers.get('retry-after')) >= 1)).toBe(true);
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source_address = '10.6.0.1'")).toBe(stored);
  });

  it('[11.10(e)] 5,000 junk posts from one address add at most one audit event per minute; the rows are sealed and named by it', async () => {
    process.env.CUSTOS_GATEWAY_JUNK_RATE = '0'; // no rate limit: measure the aggregation alone
    const eventsBefore = await count('SELECT count(*)::int AS n FROM audit_events');
    const started = Date.now();
    const kinds = [
      (i: number) => ({ body: `{"seq": ${i}, "canonical": "{}", "sig": "00", "ts": 1}`, type: 'application/json' }),
      (i: number) => ({ body: `not json ${i}`, type: 'application/json' }),
      (i: number) => ({ body: `<xml>${i}</xml>`, type: 'text/xml' }),
      (i: number) => ({ body: buildGatewayBody({ privateKey: keys[1], seq: i, sensorId: 'NO-SUCH-SENSOR', value: `${i}` }).toString(), type: 'application/json' }),
    ];
    const N = 5000;
    const statuses = new Map<number, number>();
    for (let i = 0; i < N; i += 50) {
      const rs = await Promise.all(
        Array.from({ length: 50 }, (_, k) => {
          const { body, type } = kinds[(i + k) % kinds.length](i + k);
          return post(body, '10.3.0.1', { 'content-type': type });
        }),
      );
      for (const r of rs) statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
    const minutes = Math.floor((Date.now() - (started - (started % 60_000))) / 60_000) + 1;
    expect(statuses.get(422)! + (statuses.get(415) ?? 0)).toBe(N);
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source_address = '10.3.0.1'")).toBe(N);
    // Nothing was audited per post …
    expect((await count('SELECT count(*)::int AS n FROM audit_events')) - eventsBefore).toBeLessThanOrEqual(minutes * 2);
    // … and closing the minutes adds one event per minute the flood spanned.
    const f = await flushJunkAudits(getPgPool(), { closeOpenMinutes: true });
    expect(f.rows).toBeGreaterThanOrEqual(N); // and the few rows the earlier tests left
    const { rows: ev } = await owner.query<{ nv: { count: number; address: string; merkleRoot: string; reasons: Record<string, number>; entries: string[][] } }>(
      `SELECT canonical::jsonb -> 'new_value' AS nv FROM audit_events WHERE action = $1 AND canonical::jsonb -> 'new_value' ->> 'address' = '10.3.0.1'`,
      [JUNK_ACTION],
    );
    expect(ev.length).toBeLessThanOrEqual(minutes);
    expect(ev.reduce((n, e) => n + e.nv.count, 0)).toBe(N);
    expect(Object.keys(ev[0].nv.reasons).sort()).toEqual(expect.arrayContaining(['malformed', 'unsupported_media_type']));
    expect(await count("SELECT count(*)::int AS n FROM quarantine WHERE source_address = '10.3.0.1' AND junk_audit_id IS NULL")).toBe(0);
    expect((await verifyJunkAudits(owner)).ok).toBe(true);
  }, 180_000);

  it('[11.10(e)] verification reports a junk row altered after its minute was audited, and rows no event names', async () => {
    await post('junk for tampering', '10.4.0.1');
    await flushJunkAudits(getPgPool(), { closeOpenMinutes: true });
    expect((await verifyJunkAudits(owner)).ok).toBe(true);
    const { rows } = await owner.query<{ id: string }>("SELECT id::text FROM quarantine WHERE source_address = '10.4.0.1'");
    await owner.query('ALTER TABLE quarantine DISABLE TRIGGER quarantine_sealed');
    await owner.query("UPDATE quarantine SET raw_sha256 = sha256('other') WHERE id = $1", [rows[0].id]);
    await owner.query('ALTER TABLE quarantine ENABLE ALWAYS TRIGGER quarantine_sealed');
    // A row slipped in without an event, in a minute long closed.
    await owner.query(
      "INSERT INTO quarantine (received_at, source, raw, raw_sha256, reason, source_address, junk_window) VALUES (now() - interval '1 hour', 'http', 'x', sha256('x'), 'malformed', '10.4.0.2', date_trunc('minute', now() - interval '1 hour'))",
    );
    const v = await verifyJunkAudits(owner);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/Merkle root of its rows differs/);
    expect(v.problems.join('\n')).toMatch(/named by no audit event/);
  });

  it('[11.10(e)] a quarantined row stays sealed: only its audit reference may be set, once', async () => {
    await post('sealed junk', '10.5.0.1');
    const { rows } = await owner.query<{ id: string }>("SELECT id::text FROM quarantine WHERE source_address = '10.5.0.1'");
    const app = await t.app();
    try {
      await expect(app.query("UPDATE quarantine SET junk_window = now() WHERE id = $1", [rows[0].id])).rejects.toThrow(/sealed/);
      await expect(app.query("UPDATE quarantine SET source_address = '1.1.1.1' WHERE id = $1", [rows[0].id])).rejects.toThrow(/sealed/);
      await flushJunkAudits(getPgPool(), { closeOpenMinutes: true });
      await expect(app.query('UPDATE quarantine SET junk_audit_id = NULL WHERE id = $1', [rows[0].id])).rejects.toThrow(/sealed/);
      await expect(app.query('DELETE FROM quarantine_junk_audits')).rejects.toThrow();
    } finally {
      await app.end();
    }
  });
});
