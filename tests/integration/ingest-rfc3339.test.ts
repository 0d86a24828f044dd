import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerDevice } from '@/lib/devices/register-device';
import { Ingestor } from '@/lib/ingest/ingestor';
import { proveReading } from '@/lib/ingest/prove-reading';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

let t: TTestDatabase;
const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ACTOR = { type: 'system' as const, id: 'system:test', name: 'integration test' };

beforeAll(async () => {
  t = await createTestDatabase('ingest_rfc3339');
  await registerDevice(t.db, { id: 'GW-RFC', sensors: ['RFC-1'], key: { publicKeyPem: gw.publicKey.export({ type: 'spki', format: 'pem' }).toString() } }, ACTOR);
});
afterAll(async () => {
  await t?.drop();
});

/** A seed 001 sync body signed over a canonical text written by hand (ts_utc as another gateway sends it). */
function body(seq: number, tsUtc: string, value = '4.5'): Buffer {
  const canonical = `{"sensor_id":"RFC-1","ts_utc":"${tsUtc}","unit":"C","value":${value}}`;
  const sig = sign('sha256', Buffer.from(canonical), { key: gw.privateKey, dsaEncoding: 'der' }).toString('hex');
  return Buffer.from(`{"seq": ${seq}, "canonical": ${JSON.stringify(canonical)}, "sig": "${sig}", "ts": 1714557600.5}`);
}

async function stored(seq: number) {
  const [row] = await t.sql(
    `SELECT id::text, device_ts, to_char(device_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS device_time FROM telemetry WHERE device_id = 'GW-RFC' AND gateway_seq = $1`,
    [seq],
  );
  return row as { id: string; device_ts: string; device_time: string } | undefined;
}

describe('RFC 3339 device timestamps over the gateway path', () => {
  it('[11.10(a)] ALCOA contemporaneous: a signed reading with ts_utc 2024-05-01T12:00:00.123456789+02:00 keeps the text as sent and stores 10:00:00.123456Z', async () => {
    const ingestor = new Ingestor(t.db);
    const r = await ingestor.ingest([{ source: 'http', topic: null, raw: body(1, '2024-05-01T12:00:00.123456789+02:00'), receivedAt: new Date() }]);
    expect(r.verdicts).toEqual([expect.objectContaining({ ok: true })]);
    const row = (await stored(1))!;
    expect(row.device_ts).toBe('2024-05-01T12:00:00.123456789+02:00');
    expect(row.device_time).toBe('2024-05-01T10:00:00.123456Z');
    // The proof re-derives device_time from the signed text at the same microsecond precision.
    const proof = await proveReading(t.db, BigInt(row.id));
    expect(proof).toMatchObject({ valid: true, fieldsMatch: true, reasons: [] });
    expect(proof.derived.fields.find((f) => f.field === 'device_time')).toEqual({ field: 'device_time', stored: '2024-05-01T10:00:00.123456Z', derived: '2024-05-01T10:00:00.123456Z', equal: true });
    await ingestor.close();
  });

  it('[11.10(a)] the seed format, Z, and a lower-case t all store their instant; a time without offset or a leap second is quarantined as schema', async () => {
    const ingestor = new Ingestor(t.db);
    const r = await ingestor.ingest([
      { source: 'http', topic: null, raw: body(2, '2024-05-01T12:00:00.000001+00:00'), receivedAt: new Date() },
      { source: 'http', topic: null, raw: body(3, '2024-05-01t12:00:01z'), receivedAt: new Date() },
      { source: 'http', topic: null, raw: body(4, '2024-05-01T12:00:02'), receivedAt: new Date() },
      { source: 'http', topic: null, raw: body(5, '2024-05-01T23:59:60Z'), receivedAt: new Date() },
    ]);
    expect(r.verdicts.map((v) => v.reason ?? 'ok')).toEqual(['ok', 'ok', 'schema', 'schema']);
    expect(await stored(2)).toMatchObject({ device_ts: '2024-05-01T12:00:00.000001+00:00', device_time: '2024-05-01T12:00:00.000001Z' });
    expect(await stored(3)).toMatchObject({ device_ts: '2024-05-01t12:00:01z', device_time: '2024-05-01T12:00:01.000000Z' });
    const q = await t.sql(`SELECT detail FROM quarantine WHERE device_hint IS NULL ORDER BY id`);
    expect(q.map((x) => x.detail)).toEqual([
      'ts_utc: not an RFC 3339 date-time: no UTC offset (Z or ±HH:MM): a local time is not an instant',
      'ts_utc: not an RFC 3339 date-time: leap second (:60) is not accepted',
    ]);
    await ingestor.close();
  });
});
