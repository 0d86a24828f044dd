import { raiseAlert } from '@/lib/alerts/raise-alert';
import type { TDb } from '@/lib/db/client';

export const escalateAfterMin = () => Number(process.env.CUSTOS_QUARANTINE_ESCALATE_MIN || 15);

/**
 * A payload held in quarantine and not reconciled (re-injected or discarded) within the
 * threshold (CUSTOS_QUARANTINE_ESCALATE_MIN, default 15 minutes) is escalated to regulatory
 * affairs: one alert per entry. Deterministic: the age is measured against `now`, from the time
 * the payload was received.
 */
export async function checkQuarantineEscalation(db: TDb, opts: { now?: Date; thresholdMin?: number } = {}): Promise<number> {
  const now = opts.now ?? new Date();
  const thresholdMin = opts.thresholdMin ?? escalateAfterMin();
  const cutoff = new Date(now.getTime() - thresholdMin * 60_000);
  return db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<Array<{ id: bigint; received_at: Date; reason: string; device_hint: string | null }>>`
      SELECT q.id, q.received_at, q.reason, q.device_hint FROM quarantine q
      WHERE q.status = 'held' AND q.received_at <= ${cutoff}
        AND NOT EXISTS (SELECT 1 FROM security_alerts a WHERE a.dedup_key = 'quarantine:' || q.id::text)
      ORDER BY q.id LIMIT 500`;
    for (const q of held) {
      const ageMin = Math.floor((now.getTime() - q.received_at.getTime()) / 60_000);
      await raiseAlert(tx, {
        kind: 'quarantine_escalation',
        dedupKey: `quarantine:${q.id}`,
        detail: { quarantineId: q.id.toString(), receivedAt: q.received_at.toISOString(), reason: q.reason, deviceHint: q.device_hint, ageMin, thresholdMin, escalateTo: 'regulatory affairs' },
        entity: { type: 'Quarantine', id: q.id.toString() },
        reason: `held in quarantine for ${ageMin} min without reconciliation (threshold ${thresholdMin} min)`,
        now,
      });
    }
    return held.length;
  });
}
