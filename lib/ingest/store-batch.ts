import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditEventInput } from '@/lib/audit/events';
import type { TDb, TTx } from '@/lib/db/client';
import { applyReadingRules } from '@/lib/ingest/apply-reading-rules';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';
import { leafHash, merkleRoot } from '@/lib/ingest/merkle';
import { parseDeviceTime, readingFlags, outOfLimits } from '@/lib/ingest/reading-rules';
import type { TAcceptedReading, TRejected } from '@/lib/ingest/verify-inbound';

export const INGEST_ACTOR = { type: 'system' as const, id: 'system:ingest', name: 'Custos telemetry ingestion' };

export interface TStoreResult {
  stored: number;
  duplicates: number;
  quarantined: number;
  batchId: string | null;
}

/**
 * One transaction per batch: new readings (a replay is stored once), the batch's Merkle root
 * as ONE audit event, every rejected message sealed in quarantine with its own audit event,
 * and the excursion / communication state. The caller acknowledges the messages only after
 * this has committed.
 */
export async function storeBatch(db: TDb, keys: DeviceKeyStore, accepted: TAcceptedReading[], rejected: TRejected[]): Promise<TStoreResult> {
  if (accepted.length === 0 && rejected.length === 0) return { stored: 0, duplicates: 0, quarantined: 0, batchId: null };
  return db.$transaction((tx) => storeInTx(tx, keys, accepted, rejected), { maxWait: 30_000, timeout: 60_000 });
}

async function storeInTx(tx: TTx, keys: DeviceKeyStore, accepted: TAcceptedReading[], rejected: TRejected[]): Promise<TStoreResult> {
  const events: TAuditEventInput[] = [];
  // Duplicates inside the batch first, then against everything stored before.
  const unique = new Map<string, TAcceptedReading>();
  for (const a of accepted) if (!unique.has(a.dedupKey.toString('hex'))) unique.set(a.dedupKey.toString('hex'), a);
  let fresh: TAcceptedReading[] = [];
  let batchId: bigint | null = null;
  if (unique.size > 0) {
    const list = [...unique.values()];
    const ids = await tx.$queryRaw<Array<{ id: bigint }>>`SELECT nextval('telemetry_id_seq') AS id FROM generate_series(1, ${list.length}::int)`;
    const inserted = await tx.$queryRaw<Array<{ k: string }>>`
      INSERT INTO telemetry_keys (dedup_key, telemetry_id)
      SELECT decode(k, 'hex'), i FROM unnest(${list.map((a) => a.dedupKey.toString('hex'))}::text[], ${ids.map((r) => r.id.toString())}::bigint[]) AS u(k, i)
      ON CONFLICT (dedup_key) DO NOTHING RETURNING encode(dedup_key, 'hex') AS k`;
    const isNew = new Set(inserted.map((r) => r.k));
    const idOf = new Map(list.map((a, i) => [a.dedupKey.toString('hex'), ids[i].id]));
    fresh = list.filter((a) => isNew.has(a.dedupKey.toString('hex')));
    if (fresh.length > 0) {
      [{ id: batchId }] = await tx.$queryRaw<Array<{ id: bigint }>>`SELECT nextval('telemetry_batches_id_seq') AS id`;
      const rows = fresh.map((a) => {
        const id = idOf.get(a.dedupKey.toString('hex'))!;
        const device = keys.device(a.deviceId);
        const value = Number(a.valueText);
        const deviceTime = parseDeviceTime(a.deviceTs);
        const limits = { min: device?.limitMin ?? null, max: device?.limitMax ?? null, minDurationS: device?.limitMinDurationS ?? 0 };
        const { flags, skewMs } = readingFlags({ deviceTime, receivedAt: a.inbound.receivedAt, calibrationDue: device?.calibrationDue ?? null, outOfLimits: outOfLimits(value, limits) });
        return { a, id, value, deviceTime, flags, skewMs, leaf: leafHash(id, a.rawSha256) };
      });
      rows.sort((x, y) => (x.id < y.id ? -1 : 1));
      // One JSON parameter for the whole batch: far cheaper to bind than twenty arrays.
      const json = JSON.stringify(
        rows.map((r) => ({
          id: r.id.toString(),
          received_at: r.a.inbound.receivedAt.toISOString(),
          device_id: r.a.deviceId,
          sensor_id: r.a.sensorId,
          format: r.a.format,
          value_text: r.a.valueText,
          value: r.value,
          unit: r.a.unit,
          device_ts: r.a.deviceTs,
          device_time: r.deviceTime?.toISOString() ?? null,
          skew_ms: r.skewMs,
          flags: r.flags,
          source: r.a.inbound.source,
          topic: r.a.inbound.topic,
          gateway_seq: r.a.gatewaySeq?.toString() ?? null,
          key_version: r.a.keyVersion,
          raw: r.a.inbound.raw.toString('utf8'),
          raw_sha256: r.a.rawSha256.toString('hex'),
          leaf: r.leaf.toString('hex'),
        })),
      );
      await tx.$executeRaw`
        INSERT INTO telemetry (id, received_at, device_id, sensor_id, format, value_text, value, unit, device_ts, device_time, skew_ms,
          flags, source, topic, gateway_seq, key_version, raw, raw_sha256, leaf_hash, batch_id)
        SELECT u.id, u.received_at, u.device_id, u.sensor_id, u.format, u.value_text, u.value, u.unit, u.device_ts, u.device_time, u.skew_ms,
          coalesce(u.flags, '{}'), u.source, u.topic, u.gateway_seq, u.key_version, u.raw, decode(u.raw_sha256, 'hex'), decode(u.leaf, 'hex'), ${batchId}
        FROM json_to_recordset(${json}::json) AS u(id bigint, received_at timestamptz, device_id text, sensor_id text, format text, value_text text,
          value float8, unit text, device_ts text, device_time timestamptz, skew_ms bigint, flags text[], source text, topic text, gateway_seq bigint,
          key_version int, raw text, raw_sha256 text, leaf text)`;
      const root = merkleRoot(rows.map((r) => r.leaf));
      const firstId = rows[0].id;
      const lastId = rows[rows.length - 1].id;
      const [ev] = await appendAudit(tx, [
        {
          actor: INGEST_ACTOR,
          action: 'telemetry.batch',
          entityType: 'TelemetryBatch',
          entityId: batchId.toString(),
          newValue: {
            batchId: batchId.toString(),
            count: rows.length,
            firstId: firstId.toString(),
            lastId: lastId.toString(),
            merkleRoot: root.toString('hex'),
            duplicates: accepted.length - rows.length,
            flagged: rows.filter((r) => r.flags.length).length,
          },
        },
      ]);
      await tx.telemetryBatch.create({
        data: { id: batchId, source: fresh[0].inbound.source, count: rows.length, firstId, lastId, merkleRoot: Uint8Array.from(root), auditChainId: ev.chainId, auditSeq: ev.seq },
        select: { id: true },
      });
      await applyReadingRules(tx, keys, rows.map((r) => ({ deviceId: r.a.deviceId, sensorId: r.a.sensorId, value: r.value, unit: r.a.unit, at: r.deviceTime ?? r.a.inbound.receivedAt, receivedAt: r.a.inbound.receivedAt })), events);
    }
  }

  if (rejected.length > 0) {
    // Ids are taken first so each audit event names its own quarantine row.
    const q = await tx.$queryRaw<Array<{ id: bigint }>>`SELECT nextval('quarantine_id_seq') AS id FROM generate_series(1, ${rejected.length}::int)`;
    await tx.$executeRaw`
      INSERT INTO quarantine (id, received_at, source, topic, device_hint, raw, raw_sha256, reason, detail)
      SELECT u.id, u.received_at, u.source, u.topic, u.device_hint, decode(u.raw, 'base64'), decode(u.sha, 'hex'), u.reason, u.detail
      FROM unnest(${q.map((r) => r.id.toString())}::bigint[], ${rejected.map((r) => r.inbound.receivedAt.toISOString())}::timestamptz[], ${rejected.map((r) => r.inbound.source)}::text[],
        ${rejected.map((r) => r.inbound.topic)}::text[], ${rejected.map((r) => r.deviceHint)}::text[], ${rejected.map((r) => r.inbound.raw.toString('base64'))}::text[],
        ${rejected.map((r) => r.rawSha256.toString('hex'))}::text[], ${rejected.map((r) => r.reason)}::text[], ${rejected.map((r) => r.detail)}::text[])
        AS u(id, received_at, source, topic, device_hint, raw, sha, reason, detail)`;
    rejected.forEach((r, i) =>
      events.push({
        actor: INGEST_ACTOR,
        action: 'telemetry.quarantine',
        entityType: 'Quarantine',
        entityId: q[i].id.toString(),
        newValue: { source: r.inbound.source, topic: r.inbound.topic, deviceHint: r.deviceHint, sha256: r.rawSha256.toString('hex'), bytes: r.inbound.raw.length },
        reason: `${r.reason}: ${r.detail}`.slice(0, 2000),
      }),
    );
  }
  if (events.length) await appendAudit(tx, events);
  return { stored: fresh.length, duplicates: accepted.length - fresh.length, quarantined: rejected.length, batchId: batchId?.toString() ?? null };
}
