import type { TAuditEventInput } from '@/lib/audit/events';
import type { TTx } from '@/lib/db/client';
import type { DeviceKeyStore } from '@/lib/ingest/key-store';
import { stepExcursion, type TExcursionState } from '@/lib/ingest/reading-rules';
import { insertRecord } from '@/lib/records/create-record';

const ACTOR = { type: 'system' as const, id: 'system:ingest', name: 'Custos telemetry ingestion' };

export interface TRuleReading {
  deviceId: string;
  sensorId: string | null;
  value: number;
  unit: string;
  at: Date;
  receivedAt: Date;
}

/**
 * 11.10(f)(h): per-device excursion state and communication state, updated in the batch's
 * transaction. An excursion that lasts its minimum duration opens an excursion record for QA
 * review (and an alarm); a device heard from again closes its communication-loss alarm.
 */
export async function applyReadingRules(tx: TTx, keys: DeviceKeyStore, readings: TRuleReading[], events: TAuditEventInput[]): Promise<void> {
  const byDevice = new Map<string, TRuleReading[]>();
  for (const r of readings) byDevice.set(r.deviceId, [...(byDevice.get(r.deviceId) ?? []), r]);
  const ids = [...byDevice.keys()].sort();
  // Lock the state rows in a fixed order: concurrent workers never deadlock on them.
  const states = await tx.$queryRaw<
    Array<{ device_id: string; excursion_started_at: Date | null; excursion_peak: number | null; excursion_readings: number; excursion_record_id: string | null; comm_loss_since: Date | null; last_reading_at: Date | null }>
  >`SELECT device_id, excursion_started_at, excursion_peak, excursion_readings, excursion_record_id, comm_loss_since, last_reading_at
    FROM device_state WHERE device_id = ANY(${ids}::text[]) ORDER BY device_id FOR UPDATE`;
  const stateOf = new Map(states.map((s) => [s.device_id, s]));

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
        const rec = await insertRecord(tx, {
          kind: 'excursion',
          content: {
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
          actor: ACTOR,
          authorId: ACTOR.id,
          authorName: ACTOR.name,
        });
        st = { ...st, recordId: rec.id };
        await tx.deviceAlarm.create({ data: { deviceId, kind: 'excursion', openedAt: action.startedAt, recordId: rec.id, detail: { peak: action.peak, limits } }, select: { id: true } });
        events.push({ actor: ACTOR, action: 'device.excursion_open', entityType: 'Device', entityId: deviceId, newValue: { recordId: rec.id, number: rec.number, startedAt: action.startedAt.toISOString(), peak: action.peak }, contextRef: `Record:${rec.id}/v1` });
      } else if (action.type === 'close') {
        await tx.deviceAlarm.updateMany({ where: { deviceId, kind: 'excursion', closedAt: null }, data: { closedAt: action.endedAt } });
        events.push({ actor: ACTOR, action: 'device.excursion_close', entityType: 'Device', entityId: deviceId, newValue: { recordId: action.recordId, endedAt: action.endedAt.toISOString() } });
      }
    }
    const last = list[list.length - 1];
    const newer = !row?.last_reading_at || last.receivedAt > row.last_reading_at;
    if (row?.comm_loss_since) {
      await tx.deviceAlarm.updateMany({ where: { deviceId, kind: 'comm_loss', closedAt: null }, data: { closedAt: last.receivedAt } });
      events.push({ actor: ACTOR, action: 'device.comm_restored', entityType: 'Device', entityId: deviceId, newValue: { silentSince: row.comm_loss_since.toISOString(), heardAt: last.receivedAt.toISOString() } });
    }
    await tx.$executeRaw`
      INSERT INTO device_state (device_id, last_reading_at, last_value, excursion_started_at, excursion_peak, excursion_readings, excursion_record_id, comm_loss_since, updated_at)
      VALUES (${deviceId}, ${newer ? last.receivedAt : (row?.last_reading_at ?? last.receivedAt)}, ${last.value}, ${st.startedAt}, ${st.peak}, ${st.readings}, ${st.recordId}::uuid, NULL, now())
      ON CONFLICT (device_id) DO UPDATE SET last_reading_at = EXCLUDED.last_reading_at, last_value = EXCLUDED.last_value,
        excursion_started_at = EXCLUDED.excursion_started_at, excursion_peak = EXCLUDED.excursion_peak, excursion_readings = EXCLUDED.excursion_readings,
        excursion_record_id = EXCLUDED.excursion_record_id, comm_loss_since = NULL, updated_at = now()`;
  }
}
