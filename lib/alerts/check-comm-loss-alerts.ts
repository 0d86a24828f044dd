import { raiseAlert } from '@/lib/alerts/raise-alert';
import type { TDb } from '@/lib/db/client';

/**
 * Each open communication-loss alarm of a device (lib/ingest/check-comm-loss.ts opens them)
 * becomes one alert for people, once.
 */
export async function raiseCommLossAlerts(db: TDb, now = new Date()): Promise<number> {
  return db.$transaction(async (tx) => {
    const open = await tx.$queryRaw<Array<{ id: bigint; device_id: string; opened_at: Date; detail: unknown }>>`
      SELECT a.id, a.device_id, a.opened_at, a.detail FROM device_alarms a
      WHERE a.kind = 'comm_loss' AND a.closed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM security_alerts s WHERE s.dedup_key = 'comm_loss:' || a.id::text)
      ORDER BY a.id LIMIT 500`;
    for (const a of open) {
      await raiseAlert(tx, {
        kind: 'comm_loss',
        dedupKey: `comm_loss:${a.id}`,
        detail: { deviceId: a.device_id, alarmId: a.id.toString(), since: a.opened_at.toISOString(), ...(a.detail as object) },
        entity: { type: 'Device', id: a.device_id },
        reason: `device ${a.device_id} silent since ${a.opened_at.toISOString()}`,
        now,
      });
    }
    return open.length;
  });
}
