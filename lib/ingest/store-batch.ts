import type pg from 'pg';
import { appendOnHeadPipelined, lockAuditHeadPipelined } from '@/lib/audit/append-audit';
import type { TAuditEventInput } from '@/lib/audit/events';
import { Pipeline } from '@/lib/db/pg-pipeline';
import { withPooledClient } from '@/lib/db/pg-pool';
import { applyReadingRules, lockDeviceStates, type TStateRow } from '@/lib/ingest/apply-reading-rules';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';
import { leafHash, merkleRoot } from '@/lib/ingest/merkle';
import { readingFlags, outOfLimits } from '@/lib/ingest/reading-rules';
import { parseRfc3339 } from '@/lib/ingest/rfc3339';
import type { TAcceptedReading, TInbound, TRejected } from '@/lib/ingest/verify-inbound';

export const INGEST_ACTOR = { type: 'system' as const, id: 'system:ingest', name: 'Custos telemetry ingestion' };

const STATEMENT_TIMEOUT_MS = 60_000;
const CLOCK_TOLERANCE_MS = 500;

export interface TStoreResult {
  stored: number;
  duplicates: number;
  quarantined: number;
  batchId: string | null;
  /** The idempotency keys (hex) of the readings this transaction stored (not the replays). */
  storedKeys?: string[];
}

/**
 * One transaction per batch (node-postgres, BEGIN … COMMIT on one pooled connection): new
 * readings (a replay is stored once), the batch's Merkle root as ONE audit event, every rejected
 * message sealed in quarantine with its own audit event, and the excursion / communication
 * state. The caller acknowledges the messages only after this has committed (21 CFR 11.10(e)).
 * On a pool in pipeline mode (getIngestPgPool) the transaction is three round trips.
 */
export async function storeBatch(pool: pg.Pool, keys: DeviceKeyStore, accepted: TAcceptedReading[], rejected: TRejected[]): Promise<TStoreResult> {
  if (accepted.length === 0 && rejected.length === 0) return { stored: 0, duplicates: 0, quarantined: 0, batchId: null };
  return withPooledClient(pool, async (client, markBroken) => {
    const pl = new Pipeline(client);
    try {
      return await storeInTx(pl, keys, accepted, rejected);
    } catch (e) {
      await pl.settle();
      await client.query('ROLLBACK').catch((re: Error) => markBroken(re));
      throw e;
    }
  });
}

/**
 * Seed 001 `seq` is transport metadata (not signed, not part of the idempotency key): each
 * gateway's highest seq is kept (gateway_seq_state, locked in gateway order when the batch's keys
 * are claimed) and a new reading whose seq skips ahead is flagged `seq_gap` (readings may be
 * missing before it), one at or below the highest `seq_out_of_order` (a restarted or reordered
 * sequence). Replays never get here. Returns the new highest seq per gateway, written with the
 * readings.
 */
function flagGatewaySeq(rows: TRow[], last: Map<string, bigint>): { gateways: string[]; seqs: string[] } {
  const seqRows = rows.filter((r) => r.a.gatewaySeq !== null).sort((x, y) => (x.a.gatewaySeq! < y.a.gatewaySeq! ? -1 : x.a.gatewaySeq! > y.a.gatewaySeq! ? 1 : 0));
  const touched = new Set<string>();
  for (const r of seqRows) {
    const seq = r.a.gatewaySeq!;
    const prev = last.get(r.a.deviceId);
    if (prev !== undefined && seq > prev + 1n) r.flags.push('seq_gap');
    else if (prev !== undefined && seq <= prev) r.flags.push('seq_out_of_order');
    if (prev === undefined || seq > prev) last.set(r.a.deviceId, seq);
    touched.add(r.a.deviceId);
  }
  const gateways = [...touched].sort();
  return { gateways, seqs: gateways.map((g) => last.get(g)!.toString()) };
}

interface TRow {
  a: TAcceptedReading;
  id: bigint;
  value: number;
  deviceTime: Date | null;
  /** device_time: the device's instant in UTC with six fraction digits, or null (flagged unparseable_time). */
  deviceTimeUtc: string | null;
  flags: string[];
  skewMs: number | null;
  leaf: Buffer;
}

/**
 * The statements, in three round trips on a pipelined connection (lib/db/pg-pipeline.ts):
 *   1. BEGIN; claim the readings' keys and ids, lock the gateways' seq state and the devices'
 *      state (in that order, each in id order), read the database clock;
 *   2. the readings with the gateways' seq state, the quarantined messages, the devices' new
 *      state, and the audit chain head locked (then its last event read, after the lock);
 *   3. the batch's audit events and the head moved onto them, the batch row, COMMIT.
 * The chain head, the row every writer contends for, is locked last and held for one round trip.
 */
async function storeInTx(pl: Pipeline, keys: DeviceKeyStore, accepted: TAcceptedReading[], rejected: TRejected[]): Promise<TStoreResult> {
  const events: TAuditEventInput[] = [];
  // received_at is the database's clock, not the worker's: the arrival times the worker stamped
  // are moved by the difference between the two clocks (measured now), which keeps their order
  // and spacing. A worker whose clock is wrong cannot make devices look skewed or late.
  const localBefore = Date.now();
  // As the Prisma transaction this replaces did, give up on a statement (a lock wait) after a
  // minute: the batch fails, nothing is acknowledged, the broker redelivers it.
  pl.send(`BEGIN; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
  // Duplicates inside the batch first, then against everything stored before.
  const unique = new Map<string, TAcceptedReading>();
  for (const a of accepted) {
    const k = a.dedupKey.toString('hex');
    if (!unique.has(k)) unique.set(k, a);
  }
  const list = [...unique.values()];
  let inserted: Array<{ i: number; id: string }> = [];
  let clockMs: number;
  const lastSeq = new Map<string, bigint>();
  let states: TStateRow[] = [];
  if (list.length > 0) {
    // The keys claim the readings' ids (a key stored before, or by a concurrent batch, returns
    // nothing), the database clock is read, and the seed 001 gateways' seq state is locked in
    // gateway order (gateway_seq_state; it is updated with the readings below). Keys go as one
    // binary parameter (32 bytes each): no hex, no array literal.
    const keys32 = Buffer.allocUnsafe(list.length * 32);
    list.forEach((a, i) => a.dedupKey.copy(keys32, i * 32));
    const gateways = [...new Set(list.filter((a) => a.gatewaySeq !== null).map((a) => a.deviceId))].sort();
    const claim = pl.send<{ t: 'k' | 's' | 'c'; i: number | null; v: string }>(
      `WITH u AS MATERIALIZED (
         SELECT i, substring($1::bytea FROM i * 32 - 31 FOR 32) AS k, nextval('telemetry_id_seq') AS id FROM generate_series(1, $2::int) AS i),
       ins AS (INSERT INTO telemetry_keys (dedup_key, telemetry_id) SELECT k, id FROM u ON CONFLICT (dedup_key) DO NOTHING RETURNING telemetry_id),
       seq AS (SELECT gateway_id, last_seq FROM gateway_seq_state WHERE gateway_id = ANY($3::text[]) ORDER BY gateway_id FOR UPDATE)
       SELECT 'k' AS t, u.i, u.id::text AS v FROM u JOIN ins ON ins.telemetry_id = u.id
       UNION ALL SELECT 's', NULL, gateway_id || ' ' || last_seq::text FROM seq
       UNION ALL SELECT 'c', NULL, (extract(epoch FROM clock_timestamp()) * 1000)::float8::text`,
      [keys32, list.length, gateways],
    );
    const locked = lockDeviceStates(pl, list.map((a) => a.deviceId));
    await pl.barrier();
    const out = (await claim).rows;
    states = (await locked).rows;
    clockMs = Number(out.find((r) => r.t === 'c')!.v);
    for (const r of out) {
      if (r.t === 'k') inserted.push({ i: r.i!, id: r.v });
      else if (r.t === 's') {
        const sp = r.v.lastIndexOf(' ');
        lastSeq.set(r.v.slice(0, sp), BigInt(r.v.slice(sp + 1)));
      }
    }
    inserted = inserted.sort((x, y) => (BigInt(x.id) < BigInt(y.id) ? -1 : 1));
  } else {
    const clock = pl.send<{ ms: string }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8::text AS ms');
    await pl.barrier();
    clockMs = Number((await clock).rows[0].ms);
  }
  // received_at is the database's clock, not the worker's: the arrival times the worker stamped
  // are moved by the difference between the two clocks (measured around that round trip), which
  // keeps their order and spacing. A worker whose clock is wrong cannot make devices look skewed
  // or late. Clocks within half a second of each other (well inside the 1 s skew limit) count as
  // equal: the worker's stamps are kept as they are, without sub-millisecond measuring noise.
  const measured = clockMs - (localBefore + Date.now()) / 2;
  const offsetMs = Math.abs(measured) < CLOCK_TOLERANCE_MS ? 0 : Math.round(measured);
  const receivedAt = (i: TInbound) => new Date(i.receivedAt.getTime() + offsetMs);
  let rows: TRow[] = [];
  let seqUpdate: { gateways: string[]; seqs: string[] } = { gateways: [], seqs: [] };
  if (inserted.length > 0) {
    rows = inserted.map(({ i, id: idText }) => {
      const a = list[i - 1];
      const id = BigInt(idText);
      const device = keys.device(a.deviceId);
      const value = Number(a.valueText);
      const t = parseRfc3339(a.deviceTs);
      const deviceTime = t.ok ? t.instant : null;
      const limits = { min: device?.limitMin ?? null, max: device?.limitMax ?? null, minDurationS: device?.limitMinDurationS ?? 0 };
      const { flags, skewMs } = readingFlags({ deviceTime, receivedAt: receivedAt(a.inbound), calibrationDue: device?.calibrationDue ?? null, outOfLimits: outOfLimits(value, limits) });
      return { a, id, value, deviceTime, deviceTimeUtc: t.ok ? t.utcMicros : null, flags, skewMs, leaf: leafHash(id, a.rawSha256) };
    });
    seqUpdate = flagGatewaySeq(rows, lastSeq);
  }

  // Excursion and communication state (its rare statements, an excursion opening or closing,
  // are awaited here; the state rows' update goes with the readings).
  const ruleEvents: TAuditEventInput[] = [];
  if (rows.length > 0) {
    await applyReadingRules(pl, keys, rows.map((r) => ({ deviceId: r.a.deviceId, sensorId: r.a.sensorId, value: r.value, unit: r.a.unit, at: r.deviceTime ?? receivedAt(r.a.inbound), receivedAt: receivedAt(r.a.inbound) })), states, ruleEvents);
  }

  let batchSent: Promise<pg.QueryResult<{ id: string }>> | null = null;
  if (rows.length > 0) {
    // The small columns as one JSON parameter (far cheaper to bind than twenty arrays); the raw
    // payloads and the hashes as two binary parameters, sliced by offset: no escaping, no hex.
    const raws = Buffer.concat(rows.map((r) => r.a.inbound.raw));
    const hashes = Buffer.allocUnsafe(rows.length * 64);
    let offset = 0;
    const json = JSON.stringify(
      rows.map((r, h) => {
        r.a.rawSha256.copy(hashes, h * 64);
        r.leaf.copy(hashes, h * 64 + 32);
        const o = offset;
        offset += r.a.inbound.raw.length;
        return {
          id: r.id.toString(),
          received_at: receivedAt(r.a.inbound).toISOString(),
          device_id: r.a.deviceId,
          sensor_id: r.a.sensorId,
          format: r.a.format,
          value_text: r.a.valueText,
          value: r.value,
          unit: r.a.unit,
          device_ts: r.a.deviceTs,
          device_time: r.deviceTimeUtc,
          skew_ms: r.skewMs,
          flags: r.flags,
          source: r.a.inbound.source,
          topic: r.a.inbound.topic,
          gateway_seq: r.a.gatewaySeq?.toString() ?? null,
          key_version: r.a.keyVersion,
          o,
          n: r.a.inbound.raw.length,
          h,
        };
      }),
    );
    // Accepted payloads passed strict JSON parsing, which refuses anything but UTF-8.
    batchSent = pl.send<{ id: string }>(
      `WITH b AS (SELECT nextval('telemetry_batches_id_seq') AS id),
       ins AS (
         INSERT INTO telemetry (id, received_at, device_id, sensor_id, format, value_text, value, unit, device_ts, device_time, skew_ms,
           flags, source, topic, gateway_seq, key_version, raw, raw_sha256, leaf_hash, batch_id)
         SELECT u.id, u.received_at, u.device_id, u.sensor_id, u.format, u.value_text, u.value, u.unit, u.device_ts, u.device_time, u.skew_ms,
           coalesce(u.flags, '{}'), u.source, u.topic, u.gateway_seq, u.key_version, convert_from(substring($2::bytea FROM u.o + 1 FOR u.n), 'UTF8'),
           substring($3::bytea FROM u.h * 64 + 1 FOR 32), substring($3::bytea FROM u.h * 64 + 33 FOR 32), b.id
         FROM b, json_to_recordset($1::json) AS u(id bigint, received_at timestamptz, device_id text, sensor_id text, format text, value_text text,
           value float8, unit text, device_ts text, device_time timestamptz, skew_ms bigint, flags text[], source text, topic text, gateway_seq bigint,
           key_version int, o int, n int, h int)),
       seq AS (
         INSERT INTO gateway_seq_state (gateway_id, last_seq) SELECT * FROM unnest($4::text[], $5::bigint[])
         ON CONFLICT (gateway_id) DO UPDATE SET last_seq = greatest(gateway_seq_state.last_seq, EXCLUDED.last_seq), updated_at = now())
       SELECT id::text FROM b`,
      [json, raws, hashes, seqUpdate.gateways, seqUpdate.seqs],
    );
  }

  let quarantineSent: Promise<pg.QueryResult<{ id: string }>> | null = null;
  if (rejected.length > 0) {
    // Ids are taken first so each audit event names its own quarantine row; the sealed bytes and
    // their hashes go as binary parameters, sliced by offset.
    const raws = Buffer.concat(rejected.map((r) => r.inbound.raw));
    const shas = Buffer.concat(rejected.map((r) => r.rawSha256));
    const offsets: number[] = [];
    let offset = 0;
    for (const r of rejected) {
      offsets.push(offset);
      offset += r.inbound.raw.length;
    }
    quarantineSent = pl.send<{ id: string }>(
      `WITH ids AS MATERIALIZED (SELECT nextval('quarantine_id_seq') AS id, n::bigint AS n FROM generate_series(1, $1::int) AS n),
       ins AS (
         INSERT INTO quarantine (id, received_at, source, topic, device_hint, raw, raw_sha256, reason, detail, source_address, junk_window, received_bytes, received_sha256)
         SELECT ids.id, u.received_at, u.source, u.topic, u.device_hint, substring($6::bytea FROM u.o + 1 FOR u.len),
           substring($7::bytea FROM n::int * 32 - 31 FOR 32), u.reason, u.detail, u.source_address,
           CASE WHEN u.aggregate THEN date_trunc('minute', u.received_at) END, u.received_bytes, decode(u.received_sha256, 'hex')
         FROM unnest($2::timestamptz[], $3::text[], $4::text[], $5::text[], $8::int[], $9::int[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::bigint[], $15::text[])
           WITH ORDINALITY AS u(received_at, source, topic, device_hint, o, len, reason, detail, source_address, aggregate, received_bytes, received_sha256, n)
         JOIN ids USING (n))
       SELECT id::text FROM ids ORDER BY n`,
      [
        rejected.length,
        rejected.map((r) => receivedAt(r.inbound)),
        rejected.map((r) => r.inbound.source),
        rejected.map((r) => r.inbound.topic),
        rejected.map((r) => r.deviceHint),
        raws,
        shas,
        offsets,
        rejected.map((r) => r.inbound.raw.length),
        rejected.map((r) => r.reason),
        rejected.map((r) => r.detail),
        rejected.map((r) => r.sourceAddress ?? null),
        rejected.map((r) => r.aggregate === true),
        rejected.map((r) => r.received?.bytes ?? null),
        rejected.map((r) => r.received?.sha256 ?? null),
      ],
    );
  }

  // ONE append for the batch: its Merkle root first (telemetry_batches names that event), then
  // excursion records and alarms, then the quarantined messages (junk is audited per source
  // address and minute, lib/ingest/junk-audit.ts). The head is locked behind the writes above,
  // and the barrier of that lock reports them.
  const appends = rows.length > 0 || ruleEvents.length > 0 || rejected.some((r) => !r.aggregate);
  const head = appends ? await lockAuditHeadPipelined(pl) : (await pl.barrier(), null);
  let batch: { id: bigint; root: Buffer } | null = null;
  if (batchSent) batch = { id: BigInt((await batchSent).rows[0].id), root: merkleRoot(rows.map((r) => r.leaf)) };
  if (quarantineSent) {
    const q = (await quarantineSent).rows;
    if (q.length !== rejected.length) throw new Error(`quarantine: ${q.length} ids for ${rejected.length} rejected messages`);
    rejected.forEach((r, i) => {
      // Junk is audited per source address and minute (lib/ingest/junk-audit.ts).
      if (r.aggregate) return;
      events.push({
        actor: INGEST_ACTOR,
        action: 'telemetry.quarantine',
        entityType: 'Quarantine',
        entityId: q[i].id,
        newValue: {
          source: r.inbound.source,
          topic: r.inbound.topic,
          deviceHint: r.deviceHint,
          sha256: r.rawSha256.toString('hex'),
          bytes: r.inbound.raw.length,
          ...(r.sourceAddress ? { address: r.sourceAddress } : {}),
          ...(r.received ? { received: r.received } : {}),
        },
        reason: `${r.reason}: ${r.detail}`.slice(0, 2000),
      });
    });
  }
  const batchEvent: TAuditEventInput[] = batch
    ? [
        {
          actor: INGEST_ACTOR,
          action: 'telemetry.batch',
          entityType: 'TelemetryBatch',
          entityId: batch.id.toString(),
          newValue: {
            batchId: batch.id.toString(),
            count: rows.length,
            firstId: rows[0].id.toString(),
            lastId: rows[rows.length - 1].id.toString(),
            merkleRoot: batch.root.toString('hex'),
            duplicates: accepted.length - rows.length,
            flagged: rows.filter((r) => r.flags.length).length,
          },
        },
      ]
    : [];
  const appended = head ? appendOnHeadPipelined(pl, head, [...batchEvent, ...ruleEvents, ...events]) : [];
  if (batch) {
    const ev = appended[0];
    pl.send(
      `INSERT INTO telemetry_batches (id, source, count, first_id, last_id, merkle_root, audit_chain_id, audit_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [batch.id.toString(), rows[0].a.inbound.source, rows.length, rows[0].id.toString(), rows[rows.length - 1].id.toString(), batch.root, ev.chainId, ev.seq.toString()],
    );
  }
  await pl.commit();
  return {
    stored: rows.length,
    duplicates: accepted.length - rows.length,
    quarantined: rejected.length,
    batchId: batch?.id.toString() ?? null,
    storedKeys: rows.map((r) => r.a.dedupKey.toString('hex')),
  };
}
