import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkQuarantineEscalation } from '@/lib/alerts/check-quarantine-escalation';
import { deliverDueAlerts } from '@/lib/alerts/deliver-alerts';
import { raiseAlert } from '@/lib/alerts/raise-alert';
import { runScheduledVerification } from '@/lib/alerts/scheduled-verification';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildHmacPayload, pyFloat } from '@/lib/ingest/simulate/build-payloads';
import type { TInbound } from '@/lib/ingest/verify-inbound';
import { serveWorkerMetrics } from '@/lib/metrics/serve-metrics';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

let t: TTestDatabase;
const secret = randomBytes(32);
const DEVICE = 'FRIDGE-OPS-1';

beforeAll(async () => {
  t = await createTestDatabase('operations');
  await registerDevice(t.db, { id: DEVICE, key: { hmacSecretHex: secret.toString('hex') }, unit: '°C' }, SYSTEM_CLI);
});
afterAll(async () => {
  delete process.env.CUSTOS_ALERT_WEBHOOK_URL;
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

/** The exposition text as a map from `name{labels}` to value. */
function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

async function scrape(url: string): Promise<{ text: string; values: Map<string, number> }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, values: parseExposition(text) };
}

const sumOf = (v: Map<string, number>, prefix: string) => [...v].filter(([k]) => k.startsWith(prefix)).reduce((a, [, n]) => a + n, 0);

describe('metrics reconcile with rows', () => {
  it('[URS 4.3 monitoring] after a known load the counters equal the stored and quarantined rows, with no device ids as labels', async () => {
    const endpoint = await serveWorkerMetrics(t.db, { addr: '127.0.0.1:0' });
    try {
      const before = (await scrape(endpoint.url!)).values;
      const ingestor = new Ingestor(t.db);
      const now = Date.now();
      const good: TInbound[] = Array.from({ length: 300 }, (_, i) => {
        // Device times 0.2 s … 1.4 s before arrival, and a few buffered for an hour (late data).
        const at = new Date(Math.floor((now - (i % 50 === 0 ? 3_600_000 : 0)) / 1000) * 1000 - i * 1000);
        return { source: 'mqtt', topic: `pharma/${DEVICE}/t`, raw: buildHmacPayload({ deviceId: DEVICE, secret, value: pyFloat(4 + (i % 7) / 10), at }), receivedAt: new Date() };
      });
      const replays = good.slice(0, 20);
      const tampered = good.slice(20, 27).map((m) => ({ ...m, raw: Buffer.from(m.raw.toString().replace(/"value": ?[0-9.]+/, '"value": 9.9')) }));
      const junk: TInbound[] = Array.from({ length: 3 }, () => ({ source: 'http', topic: null, raw: Buffer.from('{"not": "a reading"'), receivedAt: new Date() }));
      const all = [...good, ...replays, ...tampered, ...junk];
      for (let i = 0; i < all.length; i += 64) await ingestor.ingest(all.slice(i, i + 64));
      await ingestor.close();

      const { text, values: after } = await scrape(endpoint.url!);
      const delta = (k: string) => (after.get(k) ?? 0) - (before.get(k) ?? 0);
      const [{ n: rows }] = await sql('SELECT count(*)::int AS n FROM telemetry');
      const byReason = await sql('SELECT reason, count(*)::int AS n FROM quarantine GROUP BY reason ORDER BY reason');
      expect(rows).toBe(300);
      expect(delta('custos_telemetry_messages_received_total')).toBe(all.length);
      expect(delta('custos_telemetry_messages_stored_total')).toBe(rows);
      expect(delta('custos_telemetry_messages_duplicate_total')).toBe(20);
      expect(sumOf(after, 'custos_telemetry_messages_quarantined_total') - sumOf(before, 'custos_telemetry_messages_quarantined_total')).toBe(10);
      for (const r of byReason) expect(delta(`custos_telemetry_messages_quarantined_total{reason="${r.reason}"}`)).toBe(r.n);
      // One commit observation per batch; the lag histogram sees every verified reading, the late ones past 600 s.
      expect(delta('custos_ingest_commit_seconds_count')).toBe(Math.ceil(all.length / 64));
      expect(delta('custos_ingest_lag_seconds_count')).toBe(320);
      expect(delta('custos_ingest_lag_seconds_bucket{le="600"}')).toBe(320 - 7);
      // Database gauges, read at scrape time.
      const [head] = await sql(`SELECT seq::int AS seq FROM audit_chain_heads WHERE chain_id = 'main'`);
      expect(after.get('custos_audit_chain_head_seq{chain="main"}')).toBe(head.seq);
      expect(after.get('custos_quarantine_held{age_bucket="under_15m"}')).toBe(10);
      expect(text).not.toContain(DEVICE);
    } finally {
      await endpoint.close();
    }
  });
});

describe('alerts that reach people', () => {
  it('[URS 4.3 alerting][seed 004] a quarantined payload not reconciled within 15 minutes is escalated, once, measured on a shifted clock', async () => {
    const received = new Date('2030-01-01T00:00:00.000Z');
    const ingestor = new Ingestor(t.db);
    await ingestor.ingest([
      { source: 'http', topic: null, raw: Buffer.from('not json at all'), receivedAt: received },
      { source: 'http', topic: null, raw: Buffer.from('{"also": "not a reading"}'), receivedAt: received },
    ]);
    await ingestor.close();
    const mine = (await sql(`SELECT id::text AS id FROM quarantine WHERE received_at = $1 ORDER BY id`, [received])).map((r) => r.id);
    expect(mine).toHaveLength(2);
    // One of them is reconciled (discarded) before the threshold.
    await sql(`UPDATE quarantine SET status = 'discarded', decided_by = 'test', decided_at = $2 WHERE id = $1`, [mine[1], new Date(received.getTime() + 60_000)]);
    const escalated = async () => (await sql(`SELECT detail->>'quarantineId' AS id FROM security_alerts WHERE kind = 'quarantine_escalation'`)).map((r) => r.id);

    await checkQuarantineEscalation(t.db, { now: new Date(received.getTime() + 15 * 60_000 - 1000) });
    expect((await escalated()).filter((id) => mine.includes(id))).toEqual([]);
    await checkQuarantineEscalation(t.db, { now: new Date(received.getTime() + 15 * 60_000) });
    expect((await escalated()).filter((id) => mine.includes(id))).toEqual([mine[0]]);
    await checkQuarantineEscalation(t.db, { now: new Date(received.getTime() + 45 * 60_000) });
    expect((await escalated()).filter((id) => mine.includes(id))).toEqual([mine[0]]);

    const [alert] = await sql(`SELECT severity, first_seen_at, detail FROM security_alerts WHERE detail->>'quarantineId' = $1`, [mine[0]]);
    expect(alert.severity).toBe('high');
    expect(alert.first_seen_at.toISOString()).toBe('2030-01-01T00:15:00.000Z');
    expect(alert.detail).toMatchObject({ ageMin: 15, thresholdMin: 15, escalateTo: 'regulatory affairs' });
    const [ev] = await sql(`SELECT actor_id, reason FROM audit_events WHERE action = 'alert.raise' AND entity_type = 'Quarantine' AND entity_id = $1`, [mine[0]]);
    expect(ev).toEqual({ actor_id: 'system:alerts', reason: 'held in quarantine for 15 min without reconciliation (threshold 15 min)' });
  });

  it('[URS 4.3 alerting] the webhook receives the alert as JSON and is retried with backoff until it answers; every attempt is recorded', async () => {
    const got: Array<{ attempt: string; body: Record<string, unknown> }> = [];
    let answers = [503, 503, 200];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ attempt: String(req.headers['x-custos-attempt']), body: JSON.parse(body) as Record<string, unknown> });
        res.writeHead(answers.shift() ?? 500).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/custos?token=s3cret`;
    process.env.CUSTOS_ALERT_WEBHOOK_URL = url;
    try {
      const t0 = new Date('2031-05-05T08:00:00.000Z');
      const { id } = await t.db.$transaction((tx) =>
        raiseAlert(tx, { kind: 'chain_verify_failed', dedupKey: 'webhook-test', detail: { chainId: 'main' }, entity: { type: 'AuditChain', id: 'main' }, reason: 'test', now: t0 }),
      );
      const opts = { url, backoffS: 30, now: () => t0 };
      expect(await deliverDueAlerts(t.db, opts)).toEqual({ attempted: 1, delivered: 0 });
      // Not due again before the backoff has passed …
      expect(await deliverDueAlerts(t.db, { ...opts, now: () => new Date(t0.getTime() + 29_000) })).toEqual({ attempted: 0, delivered: 0 });
      expect(await deliverDueAlerts(t.db, { ...opts, now: () => new Date(t0.getTime() + 30_000) })).toEqual({ attempted: 1, delivered: 0 });
      // … and the second delay is twice the first.
      expect(await deliverDueAlerts(t.db, { ...opts, now: () => new Date(t0.getTime() + 89_000) })).toEqual({ attempted: 0, delivered: 0 });
      expect(await deliverDueAlerts(t.db, { ...opts, now: () => new Date(t0.getTime() + 90_000) })).toEqual({ attempted: 1, delivered: 1 });
      expect(await deliverDueAlerts(t.db, { ...opts, now: () => new Date(t0.getTime() + 999_000) })).toEqual({ attempted: 0, delivered: 0 });

      expect(got.map((g) => g.attempt)).toEqual(['1', '2', '3']);
      expect(got[0].body).toMatchObject({ id: id.toString(), kind: 'chain_verify_failed', severity: 'critical', firstSeenAt: t0.toISOString(), detail: { chainId: 'main' } });
      const [d] = await sql(`SELECT status, attempts, target, last_status FROM alert_deliveries WHERE alert_id = $1`, [id]);
      // The recorded target never carries the URL's query (it may hold a token).
      expect(d).toEqual({ status: 'delivered', attempts: 3, target: url.replace('?token=s3cret', ''), last_status: 200 });
      const attempts = await sql(`SELECT attempt, http_status, error FROM alert_delivery_attempts a JOIN alert_deliveries d ON d.id = a.delivery_id WHERE d.alert_id = $1 ORDER BY attempt`, [id]);
      expect(attempts).toEqual([
        { attempt: 1, http_status: 503, error: 'HTTP 503' },
        { attempt: 2, http_status: 503, error: 'HTTP 503' },
        { attempt: 3, http_status: 200, error: null },
      ]);

      // A receiver that never answers well: given up after the last attempt, and the delivery says so.
      answers = [];
      const { id: id2 } = await t.db.$transaction((tx) =>
        raiseAlert(tx, { kind: 'broker_drift', dedupKey: 'webhook-test-2', detail: {}, entity: { type: 'BrokerBaseline', id: '1' }, reason: 'test', now: t0 }),
      );
      for (let i = 0; i < 3; i++) await deliverDueAlerts(t.db, { url, backoffS: 1, maxAttempts: 3, now: () => new Date(t0.getTime() + i * 10_000) });
      const [d2] = await sql(`SELECT status, attempts, last_error FROM alert_deliveries WHERE alert_id = $1`, [id2]);
      expect(d2).toEqual({ status: 'failed', attempts: 3, last_error: 'HTTP 500' });
    } finally {
      delete process.env.CUSTOS_ALERT_WEBHOOK_URL;
      await new Promise((r) => server.close(r));
    }
  });

  it('[11.10(e)][Annex 11 §9] the scheduled full verification runs once a day, records its result in the chain, and alerts on a broken chain', async () => {
    const day = new Date('2032-02-02T01:59:00.000Z');
    expect(await runScheduledVerification(t.db, { now: day, schedule: '02:00' })).toBeNull();
    const at = new Date('2032-02-02T02:00:30.000Z');
    const reports = await runScheduledVerification(t.db, { now: at, schedule: '02:00' });
    expect(reports?.map((r) => [r.chainId, r.ok])).toEqual([['main', true]]);
    const [ev] = await sql(`SELECT actor_id, new_value->>'ok' AS ok FROM audit_events WHERE action = 'audit.verify' ORDER BY seq DESC LIMIT 1`);
    expect(ev).toEqual({ actor_id: 'system:verify-schedule', ok: 'true' });
    // Recorded, so not run again the same day: asked a minute after the run, with that hour as the schedule.
    const [{ at: ranAt }] = await sql(`SELECT max(occurred_at) AS at FROM audit_events WHERE action = 'audit.verify'`);
    expect(await runScheduledVerification(t.db, { now: new Date(ranAt.getTime() + 60_000), schedule: `${String(ranAt.getUTCHours()).padStart(2, '0')}:00` })).toBeNull();

    // Break the chain (as a table owner with triggers off could), then the next run alerts.
    const c = await t.owner();
    try {
      await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
      await c.query(`UPDATE audit_events SET canonical = canonical || ' ' WHERE chain_id = 'main' AND seq = 2`);
      await c.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    } finally {
      await c.end();
    }
    const broken = await runScheduledVerification(t.db, { force: true });
    expect(broken?.[0]).toMatchObject({ chainId: 'main', ok: false, broken: expect.objectContaining({ seq: '2' }) });
    const [alert] = await sql(`SELECT severity, detail FROM security_alerts WHERE kind = 'chain_verify_failed' AND dedup_key = 'chain_verify:main'`);
    expect(alert).toMatchObject({ severity: 'critical', detail: { chainId: 'main' } });
  });
});
