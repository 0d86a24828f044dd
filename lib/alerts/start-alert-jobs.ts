import { raiseCommLossAlerts } from '@/lib/alerts/check-comm-loss-alerts';
import { checkQuarantineEscalation } from '@/lib/alerts/check-quarantine-escalation';
import { deliverDueAlerts } from '@/lib/alerts/deliver-alerts';
import { checkReviewOverdue } from '@/lib/audit-review/check-review-overdue';
import { runScheduledVerification } from '@/lib/alerts/scheduled-verification';
import type { TDb } from '@/lib/db/client';

/**
 * The worker's alert duties: quarantine escalation and communication-loss alerts every
 * CUSTOS_ALERT_CHECK_S (default 30), webhook deliveries every 5 s, the scheduled chain
 * verification checked every minute (CUSTOS_VERIFY_SCHEDULE). Each job runs alone (a slow run
 * is not overlapped by the next).
 */
export function startAlertJobs(db: TDb, env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const every = (ms: number, name: string, fn: () => Promise<unknown>) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      const p = fn()
        .catch((e: Error) => log(`${name} failed: ${e.message}`))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    }, ms);
    t.unref();
    timers.push(t);
  };
  const checkS = Number(env.CUSTOS_ALERT_CHECK_S || 30);
  every(checkS * 1000, 'quarantine escalation', () => checkQuarantineEscalation(db));
  every(checkS * 1000, 'comm-loss alerts', () => raiseCommLossAlerts(db));
  if (env.CUSTOS_ALERT_WEBHOOK_URL) every(5000, 'alert webhook', () => deliverDueAlerts(db));
  every(Number(env.CUSTOS_REVIEW_CHECK_S || 3600) * 1000, 'audit review coverage', () => checkReviewOverdue(db, new Date(), env));
  if ((env.CUSTOS_VERIFY_SCHEDULE ?? '') !== 'off') {
    every(60_000, 'scheduled verification', async () => {
      const r = await runScheduledVerification(db);
      if (r) log(`scheduled verification: ${r.map((x) => `${x.chainId} ${x.ok ? 'intact' : 'BROKEN'} (${x.count} events)`).join(', ')}`);
    });
  }
  return {
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.all([...running]);
    },
  };
}
