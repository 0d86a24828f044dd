import type pg from 'pg';
import type { Pipeline, TSqlClient } from '@/lib/db/pg-pipeline';
import type { TAuditActor, TAuditEventInput } from '@/lib/audit/events';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';
import { stepExcursion, type TExcursionState } from '@/lib/ingest/reading-rules';
import { canonicalContent } from '@/lib/records/content-hash';
import { KIND_CONFIG } from '@/lib/records/kinds';
import { initialStatus } from '@/lib/records/lifecycle';
import { updateExcursionRecord } from '@/lib/records/update-excursion-record';

const ACTOR = { type: 'system' as const, id: 'system:ingest', name: 'Custos telemetry ingestion' };

export interface TRuleReading {
  deviceId: string;
  sensorId: string | null;
  value: number;
  unit: string;
  at: Date;
  receivedAt: Date;
}

export interface TStateRow {
  device_id: string;
  excursion_started_at: Date | null;
  excursion_peak: number | null;
  excursion_readings: number;
  excursion_record_id: string | null;
  comm_loss_since: Date | null;
  last_reading_at: Date | null;
}

/**
 * The state rows of these devices, locked in a fixed order (concurrent batches never deadlock on
 * them): sent on the batch's pipeline, answered at its next barrier. Lock them before anything
 * applyReadingRules writes.
 */
export function lockDeviceStates(pl: Pipeline, deviceIds: string[]): Promise<pg.QueryResult<TStateRow>> {
  return pl.send<TStateRow>(
    `SELECT device_id, excursion_started_at, excursion_peak, excursion_readings, excursion_record_id, comm_loss_since, last_reading_at
     FROM device_state WHERE device_id = ANY($1::text[]) ORDER BY device_id FOR UPDATE`,
    [[...new Set(deviceIds)].sort()],
  );
}

/**
 * 11.10(f)(h): per-device excursion state and communication state, updated in the batch's
 * transaction (on its pipeline, lib/db/pg-pipeline.ts), from the state rows lockDeviceStates
 * read. An excursion that lasts its minimum duration opens an excursion record for QA review
 * (and an alarm); a device heard from again closes its communication-loss alarm (those rare
 * statements are awaited in turn). Audit events are pushed onto `events`, in order, for the
 * batch's one append; the state rows' update is sent and answered at the pipeline's next barrier.
 */
export async function applyReadingRules(pl: Pipeline, keys: DeviceKeyStore, readings: TRuleReading[], states: TStateRow[], events: TAuditEventInput[]): Promise<void> {
  const client = pl.awaited();
  const byDevice = new Map<string, TRuleReading[]>();
  for (const r of readings) {
    const list = byDevice.get(r.deviceId);
    if (list) list.push(r);
    else byDevice.set(r.deviceId, [r]);
  }
  const ids = [...byDevice.keys()].sort();
  const stateOf = new Map(states.map((s) => [s.device_id, s]));
  const upsert = { id: [] as string[], lastAt: [] as Date[], lastValue: [] as number[], startedAt: [] as Array<Date | null>, peak: [] as Array<number | null>, readings: [] as number[], recordId: [] as Array<string | null> };

  for (const deviceId of ids) {
    const cfg = keys.device(deviceId);
    const list = byDevice.get(deviceId)!.sort((a, b) => a.at.getTime() - b.at.getTime());
    const row = stateOf.get(deviceId);
    let st: TExcursionState = { startedAt: row?.excursion_started_at ?? null, peak: row?.excursion_peak ?? null, readings: row?.excursion_readings ?? 0, recordId: row?.excursion_record_id ?? null };
    const limits = { min: cfg?.limitMin ?? null, max: cfg?.limitMax ?? null, minDurationS: cfg?.limitMinDurationS ?? 0 };
    const hasLimits = limits.min !== null || limits.max !== null;
    for (const r of hasLimits ? list : []) {
      const { state, action } = stepExcursion(st, r.value, r.at, limits);
      st = state;
      if (action.type === 'open') {
        const rec = await insertExcursionRecord(
          client,
          {
            title: `Excursion on ${deviceId}${r.sensorId ? ` / ${r.sensorId}` : ''}`,
            deviceId,
            sensor: r.sensorId ?? deviceId,
            unit: r.unit,
            limitMin: limits.min,
            limitMax: limits.max,
            startedAt: action.startedAt.toISOString(),
            endedAt: null,
            peak: action.peak,
            readings: action.readings,
          },
          ACTOR,
          events,
        );
        st = { ...st, recordId: rec.id };
        await client.query(`INSERT INTO device_alarms (device_id, kind, opened_at, record_id, detail) VALUES ($1, 'excursion', $2, $3::uuid, $4::jsonb)`, [
          deviceId,
          action.startedAt,
          rec.id,
          JSON.stringify({ peak: action.peak, limits }),
        ]);
        events.push({ actor: ACTOR, action: 'device.excursion_open', entityType: 'Device', entityId: deviceId, newValue: { recordId: rec.id, number: rec.number, startedAt: action.startedAt.toISOString(), peak: action.peak }, contextRef: `Record:${rec.id}/v1` });
      } else if (action.type === 'close') {
        await client.query(`UPDATE device_alarms SET closed_at = $2 WHERE device_id = $1 AND kind = 'excursion' AND closed_at IS NULL`, [deviceId, action.endedAt]);
        events.push({ actor: ACTOR, action: 'device.excursion_close', entityType: 'Device', entityId: deviceId, newValue: { recordId: action.recordId, endedAt: action.endedAt.toISOString() } });
        // The record says how it ended: a new version with end, duration, peak and readings.
        if (action.recordId) await updateExcursionRecord(client, { recordId: action.recordId, endedAt: action.endedAt, startedAt: action.startedAt, peak: action.peak, readings: action.readings }, ACTOR, events);
      }
    }
    const last = list[list.length - 1];
    const newer = !row?.last_reading_at || last.receivedAt > row.last_reading_at;
    if (row?.comm_loss_since) {
      await client.query(`UPDATE device_alarms SET closed_at = $2 WHERE device_id = $1 AND kind = 'comm_loss' AND closed_at IS NULL`, [deviceId, last.receivedAt]);
      events.push({ actor: ACTOR, action: 'device.comm_restored', entityType: 'Device', entityId: deviceId, newValue: { silentSince: row.comm_loss_since.toISOString(), heardAt: last.receivedAt.toISOString() } });
    }
    upsert.id.push(deviceId);
    upsert.lastAt.push(newer ? last.receivedAt : (row?.last_reading_at ?? last.receivedAt));
    upsert.lastValue.push(last.value);
    upsert.startedAt.push(st.startedAt);
    upsert.peak.push(st.peak);
    upsert.readings.push(st.readings);
    upsert.recordId.push(st.recordId);
  }
  // Every device of the batch in one statement (ids sorted, as locked above).
  pl.send(
    `INSERT INTO device_state (device_id, last_reading_at, last_value, excursion_started_at, excursion_peak, excursion_readings, excursion_record_id, comm_loss_since, updated_at)
     SELECT u.device_id, u.last_reading_at, u.last_value, u.excursion_started_at, u.excursion_peak, u.excursion_readings, u.excursion_record_id, NULL, now()
     FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::timestamptz[], $5::float8[], $6::int[], $7::uuid[])
       AS u(device_id, last_reading_at, last_value, excursion_started_at, excursion_peak, excursion_readings, excursion_record_id)
     ON CONFLICT (device_id) DO UPDATE SET last_reading_at = EXCLUDED.last_reading_at, last_value = EXCLUDED.last_value,
       excursion_started_at = EXCLUDED.excursion_started_at, excursion_peak = EXCLUDED.excursion_peak, excursion_readings = EXCLUDED.excursion_readings,
       excursion_record_id = EXCLUDED.excursion_record_id, comm_loss_since = NULL, updated_at = now()`,
    [upsert.id, upsert.lastAt, upsert.lastValue, upsert.startedAt, upsert.peak, upsert.readings, upsert.recordId],
  );
}

/**
 * The excursion record: the rows lib/records/create-record.ts `insertRecord` writes (record,
 * version 1 with its canonical content and hash, number from the kind's counter with the kind's
 * prefix, the kind's initial status) and its `record.create` audit event, pushed onto `events`
 * so it commits in the batch's append.
 */
async function insertExcursionRecord(
  client: TSqlClient,
  content: Record<string, unknown>,
  actor: TAuditActor,
  events: TAuditEventInput[],
): Promise<{ id: string; number: string }> {
  const kind = 'excursion' as const;
  const { canonical, hash } = canonicalContent(content);
  const { rows: seq } = await client.query<{ n: string }>(`SELECT custos_next_record_number($1)::text AS n`, [kind]);
  const number = `${KIND_CONFIG[kind].prefix}-${seq[0].n.padStart(6, '0')}`;
  const title = String(content.title ?? number).slice(0, 300);
  const status = initialStatus(kind);
  const { rows } = await client.query<{ id: string }>(
    `WITH r AS (
       INSERT INTO records (number, kind, title, status, current_version, created_by) VALUES ($1, $2, $3, $4, 1, $5) RETURNING id)
     INSERT INTO record_versions (record_id, version, content_canonical, content_hash, created_by, created_by_name)
     SELECT r.id, 1, $6, $7, $5, $8 FROM r RETURNING record_id::text AS id`,
    [number, kind, title, status, actor.id, canonical, hash, actor.name ?? actor.id],
  );
  const id = rows[0].id;
  // 21 CFR 11.10(e): the creation, its content hash and the first version commit together.
  events.push({
    actor,
    action: 'record.create',
    entityType: 'Record',
    entityId: id,
    newValue: { number, kind, status, version: 1, contentHash: hash.toString('hex'), content },
    contextRef: `Record:${id}/v1`,
  });
  return { id, number };
}
