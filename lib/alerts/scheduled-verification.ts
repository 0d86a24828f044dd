import { raiseAlert } from '@/lib/alerts/raise-alert';
import type { TAuditActor } from '@/lib/audit/events';
import { runVerification, type TVerificationReport } from '@/lib/audit/run-verification';
import type { TDb } from '@/lib/db/client';
import { getPgPool, withPooledClient } from '@/lib/db/pg-pool';

export const SYSTEM_VERIFY_SCHEDULE: TAuditActor = { type: 'system', id: 'system:verify-schedule', name: 'Custos scheduled verification' };

/**
 * CUSTOS_VERIFY_SCHEDULE: `HH:MM` (UTC, daily; default 02:00) or `off`. The time of today's run,
 * or null when scheduled verification is off.
 */
export function scheduledRunAt(now: Date, schedule = process.env.CUSTOS_VERIFY_SCHEDULE || '02:00'): Date | null {
  if (schedule === 'off') return null;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(schedule);
  if (!m) throw new Error(`CUSTOS_VERIFY_SCHEDULE must be HH:MM (UTC) or off, not ${schedule}`);
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), Number(m[1]), Number(m[2])));
}

/** Whether today's scheduled run is due: its time has come and no scheduled run was recorded since. */
export function verificationDue(now: Date, lastRun: Date | null, schedule?: string): boolean {
  const at = scheduledRunAt(now, schedule);
  return at !== null && now >= at && (lastRun === null || lastRun < at);
}

/**
 * The daily full verification of every chain: each run is an audit event of the chain it
 * verified (runVerification records it), and a failure raises a critical alert.
 */
export async function runScheduledVerification(db: TDb, opts: { now?: Date; schedule?: string; force?: boolean } = {}): Promise<TVerificationReport[] | null> {
  const now = opts.now ?? new Date();
  const [last] = await db.$queryRaw<Array<{ at: Date | null }>>`
    SELECT max(occurred_at) AS at FROM audit_events WHERE action = 'audit.verify' AND actor_id = ${SYSTEM_VERIFY_SCHEDULE.id}`;
  if (!opts.force && !verificationDue(now, last?.at ?? null, opts.schedule)) return null;
  const chains = await db.auditChainHead.findMany({ select: { chainId: true }, orderBy: { chainId: 'asc' } });
  const reports: TVerificationReport[] = [];
  for (const { chainId } of chains) {
    const report = await withPooledClient(getPgPool(), (client) => runVerification(db, client, { actor: SYSTEM_VERIFY_SCHEDULE, chainId }));
    reports.push(report);
    if (!report.ok) {
      await db.$transaction((tx) =>
        raiseAlert(tx, {
          kind: 'chain_verify_failed',
          dedupKey: `chain_verify:${chainId}`,
          detail: { chainId, broken: report.broken as never, invalidSignatures: report.signatures.invalid.length, verifiedAt: report.verifiedAt },
          entity: { type: 'AuditChain', id: chainId },
          reason: `scheduled verification of chain ${chainId} failed`,
          now,
        }),
      );
    }
  }
  return reports;
}
