import { ALERT_KINDS } from '@/lib/alerts/alert-kinds';
import { queueAlertDelivery } from '@/lib/alerts/raise-alert';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { decideAttempt } from '@/lib/auth/lockout-rules';
import type { TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import type { TTx } from '@/lib/db/client';
import type { TAuditEventInput } from '@/lib/audit/events';

/**
 * Counts a failed credential check (sign-in, idle unlock, MFA code or e-signature) toward
 * lockout, locks the account at the threshold, raises the security alert and audits it all,
 * in the caller's transaction. Returns true when this failure locked the account.
 */
export async function recordCredentialFailure(
  tx: TTx,
  u: TAttemptUser,
  ctx: { threshold: number; action: string; reason: string; sessionId?: string | null; contextRef?: string | null },
): Promise<boolean> {
  const d = decideAttempt(u, 'failure', ctx.threshold);
  if (!d.counted) return false;
  await tx.user.update({
    where: { id: u.id },
    data: { failedAttempts: d.failedAttempts, ...(d.lockNow ? { lockedAt: new Date() } : {}) },
    select: { id: true },
  });
  const actor = userActor(u, ctx.sessionId);
  const events: TAuditEventInput[] = [
    {
      actor,
      action: ctx.action,
      entityType: 'User',
      entityId: u.id,
      newValue: { failedAttempts: d.failedAttempts, threshold: ctx.threshold },
      reason: ctx.reason,
      contextRef: ctx.contextRef ?? null,
    },
  ];
  if (d.lockNow) {
    // 11.300(d): a lock is reported to administrators immediately and urgently.
    const alert = await tx.securityAlert.create({
      data: {
        kind: 'account_locked',
        severity: ALERT_KINDS.account_locked.severity,
        userId: u.id,
        detail: { employeeId: u.employeeId, failedAttempts: d.failedAttempts, via: ctx.action },
      },
      select: { id: true },
    });
    await queueAlertDelivery(tx, alert.id);
    events.push({
      actor: { type: 'system', id: 'system:lockout', name: 'Custos lockout', role: null, sessionId: null },
      action: 'user.lock',
      entityType: 'User',
      entityId: u.id,
      newValue: { lockedAt: new Date().toISOString(), failedAttempts: d.failedAttempts, alertId: alert.id.toString() },
      reason: `${d.failedAttempts} consecutive failed credential checks`,
      contextRef: null,
    });
  }
  await appendAudit(tx, events);
  return d.lockNow;
}
