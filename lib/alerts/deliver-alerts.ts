import { retryDelayS } from '@/lib/alerts/alert-kinds';
import type { TDb } from '@/lib/db/client';

export interface TDeliverOptions {
  url?: string;
  token?: string;
  /** First retry after this many seconds, doubling (CUSTOS_ALERT_WEBHOOK_BACKOFF_S, default 30). */
  backoffS?: number;
  /** Then the delivery is given up and says so (CUSTOS_ALERT_WEBHOOK_MAX_ATTEMPTS, default 10). */
  maxAttempts?: number;
  timeoutMs?: number;
  now?: () => Date;
  site?: string;
}

/**
 * Sends the alerts that are due to the webhook: JSON, one POST per alert. Every attempt is
 * recorded (status or error, duration); a failed one is retried with a doubling delay until it
 * succeeds or the attempts run out. Deliveries are claimed with SKIP LOCKED, so several workers
 * never send the same attempt twice.
 */
export async function deliverDueAlerts(db: TDb, opts: TDeliverOptions = {}): Promise<{ attempted: number; delivered: number }> {
  const url = opts.url ?? process.env.CUSTOS_ALERT_WEBHOOK_URL;
  if (!url) return { attempted: 0, delivered: 0 };
  const token = opts.token ?? process.env.CUSTOS_ALERT_WEBHOOK_TOKEN;
  const backoffS = opts.backoffS ?? Number(process.env.CUSTOS_ALERT_WEBHOOK_BACKOFF_S || 30);
  const maxAttempts = opts.maxAttempts ?? Number(process.env.CUSTOS_ALERT_WEBHOOK_MAX_ATTEMPTS || 10);
  const timeoutMs = opts.timeoutMs ?? 5000;
  const now = opts.now ?? (() => new Date());
  let attempted = 0;
  let delivered = 0;
  for (;;) {
    const done = await db.$transaction(
      async (tx) => {
        const due = await tx.$queryRaw<Array<{ id: bigint; alert_id: bigint; attempts: number }>>`
          SELECT id, alert_id, attempts FROM alert_deliveries
          WHERE status = 'pending' AND next_attempt_at <= ${now()} ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`;
        if (due.length === 0) return null;
        const d = due[0];
        const alert = await tx.securityAlert.findUnique({
          where: { id: d.alert_id },
          select: { id: true, kind: true, severity: true, detail: true, firstSeenAt: true, lastSeenAt: true, occurrences: true, acknowledgedAt: true },
        });
        const body = JSON.stringify({
          id: d.alert_id.toString(),
          site: opts.site ?? process.env.CUSTOS_CHAIN_ID ?? 'main',
          kind: alert?.kind,
          severity: alert?.severity,
          firstSeenAt: alert?.firstSeenAt.toISOString(),
          lastSeenAt: alert?.lastSeenAt.toISOString(),
          occurrences: alert?.occurrences,
          acknowledged: Boolean(alert?.acknowledgedAt),
          detail: alert?.detail,
        });
        const attempt = d.attempts + 1;
        const started = Date.now();
        let status: number | null = null;
        let error: string | null = null;
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'x-custos-alert-id': d.alert_id.toString(), 'x-custos-attempt': String(attempt) },
            body,
            signal: AbortSignal.timeout(timeoutMs),
            redirect: 'error',
          });
          status = res.status;
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) error = `HTTP ${res.status}`;
        } catch (e) {
          error = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : ((e as Error).cause as Error | undefined)?.message || (e as Error).message;
        }
        const durationMs = Date.now() - started;
        await tx.alertDeliveryAttempt.create({ data: { deliveryId: d.id, attempt, attemptedAt: new Date(started), httpStatus: status, error, durationMs }, select: { id: true } });
        const ok = error === null;
        const gaveUp = !ok && attempt >= maxAttempts;
        await tx.alertDelivery.update({
          where: { id: d.id },
          data: {
            attempts: attempt,
            status: ok ? 'delivered' : gaveUp ? 'failed' : 'pending',
            lastStatus: status,
            lastError: error,
            deliveredAt: ok ? now() : null,
            nextAttemptAt: ok || gaveUp ? now() : new Date(now().getTime() + retryDelayS(attempt, backoffS) * 1000),
          },
          select: { id: true },
        });
        return { ok };
      },
      { timeout: timeoutMs + 10_000, maxWait: 10_000 },
    );
    if (!done) break;
    attempted += 1;
    if (done.ok) delivered += 1;
  }
  return { attempted, delivered };
}
