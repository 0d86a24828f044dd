import { appendAudit } from '@/lib/audit/append-audit';
import type { TDb } from '@/lib/db/client';

/**
 * 11.10(f): a device silent for longer than its expected interval raises a communication-loss
 * alarm (once), audited; the next reading from it closes the alarm (lib/ingest/apply-reading-rules.ts).
 */
export async function checkCommLoss(db: TDb, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const silent = await tx.$queryRaw<Array<{ device_id: string; last_reading_at: Date | null; expected_interval_s: number }>>`
      SELECT s.device_id, s.last_reading_at, d.expected_interval_s
      FROM device_state s JOIN devices d ON d.id = s.device_id
      WHERE d.status = 'active' AND d.expected_interval_s IS NOT NULL AND s.comm_loss_since IS NULL
        AND coalesce(s.last_reading_at, d.created_at) < ${now}::timestamptz - make_interval(secs => d.expected_interval_s)
      ORDER BY s.device_id FOR UPDATE OF s SKIP LOCKED`;
    for (const s of silent) {
      await tx.deviceState.update({ where: { deviceId: s.device_id }, data: { commLossSince: now }, select: { deviceId: true } });
      await tx.deviceAlarm.create({ data: { deviceId: s.device_id, kind: 'comm_loss', openedAt: now, detail: { lastReadingAt: s.last_reading_at?.toISOString() ?? null, expectedIntervalS: s.expected_interval_s } }, select: { id: true } });
    }
    if (silent.length) {
      await appendAudit(
        tx,
        silent.map((s) => ({
          actor: { type: 'system' as const, id: 'system:ingest', name: 'Custos telemetry ingestion' },
          action: 'device.comm_loss',
          entityType: 'Device',
          entityId: s.device_id,
          newValue: { lastReadingAt: s.last_reading_at?.toISOString() ?? null, expectedIntervalS: s.expected_interval_s, detectedAt: now.toISOString() },
          reason: `no reading for more than ${s.expected_interval_s} s`,
        })),
      );
    }
    return silent.length;
  });
}
