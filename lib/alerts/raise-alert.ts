import { appendAudit } from '@/lib/audit/append-audit';
import type { TAuditActor } from '@/lib/audit/events';
import { ALERT_KINDS, type TAlertKind, type TAlertSeverity } from '@/lib/alerts/alert-kinds';
import type { TTx } from '@/lib/db/client';

export const SYSTEM_ALERTS: TAuditActor = { type: 'system', id: 'system:alerts', name: 'Custos alerts' };

export interface TRaiseAlert {
  kind: TAlertKind;
  /** One open alert per condition: raising it again moves last seen and counts the occurrence. */
  dedupKey: string;
  detail: Record<string, unknown>;
  severity?: TAlertSeverity;
  userId?: string | null;
  /** What the alert is about, for its audit event. */
  entity: { type: string; id: string };
  reason: string;
  now?: Date;
}

/**
 * Raises an alert in the caller's transaction, with its audit event; a new alert is queued for
 * the webhook (CUSTOS_ALERT_WEBHOOK_URL) in the same transaction, so it is delivered even if
 * the process stops right after. An alert already open for the same condition is not raised
 * twice: its last-seen time and count move, and that is not a new audit event.
 */
export async function raiseAlert(tx: TTx, a: TRaiseAlert): Promise<{ id: bigint; created: boolean }> {
  const now = a.now ?? new Date();
  const severity = a.severity ?? ALERT_KINDS[a.kind].severity;
  const [row] = await tx.$queryRaw<Array<{ id: bigint; created: boolean }>>`
    INSERT INTO security_alerts (kind, severity, dedup_key, detail, user_id, created_at, first_seen_at, last_seen_at)
    VALUES (${a.kind}, ${severity}, ${a.dedupKey}, ${JSON.stringify(a.detail)}::jsonb, ${a.userId ?? null}::uuid, ${now}, ${now}, ${now})
    ON CONFLICT (dedup_key) WHERE acknowledged_at IS NULL AND dedup_key IS NOT NULL
    DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, occurrences = security_alerts.occurrences + 1, detail = EXCLUDED.detail
    RETURNING id, (xmax = 0) AS created`;
  if (row.created) {
    await appendAudit(tx, [
      {
        actor: SYSTEM_ALERTS,
        action: 'alert.raise',
        entityType: a.entity.type,
        entityId: a.entity.id,
        newValue: { alertId: row.id.toString(), kind: a.kind, severity, detail: a.detail as never },
        reason: a.reason,
        contextRef: `Alert:${row.id.toString()}`,
      },
    ]);
    await queueAlertDelivery(tx, row.id, now);
  }
  return row;
}

/** Queues a new alert for the webhook (CUSTOS_ALERT_WEBHOOK_URL), in the transaction that raised it. */
export async function queueAlertDelivery(tx: TTx, alertId: bigint, now = new Date()): Promise<void> {
  const url = process.env.CUSTOS_ALERT_WEBHOOK_URL;
  if (url) await tx.alertDelivery.create({ data: { alertId, channel: 'webhook', target: webhookTarget(url), nextAttemptAt: now }, select: { id: true } });
}

/** Where a delivery goes, as recorded: never the URL's credentials or query (they may hold a token). */
export function webhookTarget(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'invalid URL';
  }
}
