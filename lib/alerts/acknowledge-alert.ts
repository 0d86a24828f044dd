import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { defaultChainId } from '@/lib/audit/chain-id';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { checkSigner, signerError } from '@/lib/esign/check-signer';
import { canonicalContent } from '@/lib/records/content-hash';
import { requirePermission } from '@/lib/rbac/require-permission';

/** The meaning of an acknowledgement signature: the signer takes responsibility for the follow-up. */
export const ACK_MEANING = 'RESPONSIBILITY' as const;

const ZAck = z.object({
  alertId: z.string().regex(/^\d{1,18}$/, 'Unknown alert'),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/, 'The alert shown is not the one stored; reload the page'),
  comment: z.string().trim().min(1, 'Say what was done about the alert').max(2000, 'At most 2000 characters'),
  employeeId: z.unknown().optional(),
  password: z.unknown().optional(),
});

/**
 * What an acknowledgement signs: the alert as shown — kind, severity, detail, first seen. Seeing
 * the same condition again (last seen, count) does not change it; the count at signing is recorded.
 */
export function alertContent(a: { id: bigint | string; kind: string; severity: string; detail: unknown; firstSeenAt: Date }) {
  return canonicalContent({ alertId: a.id.toString(), kind: a.kind, severity: a.severity, detail: a.detail ?? {}, firstSeenAt: a.firstSeenAt.toISOString() });
}

const ALERT_SELECT = { id: true, kind: true, severity: true, detail: true, firstSeenAt: true, lastSeenAt: true, occurrences: true, acknowledgedAt: true, userId: true } as const;

export interface TAcknowledged {
  alertId: string;
  acknowledgedAt: string;
  auditSeq: string;
}

/**
 * Acknowledges an alert with an electronic signature (21 CFR 11.50, 11.200(a): employee ID and
 * password re-entered, meaning RESPONSIBILITY, a comment saying what was done). The signature is
 * the `alert.acknowledge` audit event (printed name, employee ID, role, meaning, content hash);
 * the alert's acknowledged time is that event's. Nobody acknowledges an alert about their own
 * account. A failed signature counts toward lockout and is audited.
 */
export async function acknowledgeAlert(db: TDb, user: TCurrentUser, input: unknown): Promise<TAcknowledged> {
  requirePermission(user, 'security_alerts.acknowledge');
  const p = ZAck.safeParse(input);
  if (!p.success) {
    const fields: Record<string, string> = {};
    for (const i of p.error.issues) fields[String(i.path[0])] ??= i.message;
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const req = p.data;
  const id = BigInt(req.alertId);
  const contextRef = `Alert:${req.alertId}/acknowledge`;
  const alert = await db.securityAlert.findUnique({ where: { id }, select: ALERT_SELECT });
  if (!alert) throw new AppError('NOT_FOUND', 'Alert not found');
  if (alert.acknowledgedAt) throw new AppError('CONFLICT', 'This alert is already acknowledged');
  if (alert.userId === user.id) throw new AppError('FORBIDDEN', 'An alert about your own account is acknowledged by someone else');

  const signer = await db.$transaction((tx) => checkSigner(tx, user, req, { contextRef }));
  if (!signer.ok) throw signerError(signer);

  return db.$transaction(async (tx) => {
    const now = await tx.securityAlert.findUnique({ where: { id }, select: ALERT_SELECT });
    if (!now || now.acknowledgedAt) throw new AppError('CONFLICT', 'This alert is already acknowledged');
    const content = alertContent(now);
    if (content.hash.toString('hex') !== req.contentHash) throw new AppError('CONFLICT', 'The alert changed since it was shown; reload and review it', { contentHash: 'changed' });
    const role = signer.signer.roles.join(', ') || '(no role)';
    const [ev] = await appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'alert.acknowledge',
        entityType: 'SecurityAlert',
        entityId: req.alertId,
        oldValue: { acknowledged: false },
        newValue: {
          alertId: req.alertId,
          kind: now.kind,
          severity: now.severity,
          meaning: ACK_MEANING,
          printedName: signer.signer.displayName,
          employeeId: signer.signer.employeeId,
          role,
          contentHash: req.contentHash,
          occurrences: now.occurrences,
        },
        reason: req.comment,
        contextRef,
      },
    ]);
    const at = new Date(ev.occurredAt);
    const done = await tx.securityAlert.updateMany({ where: { id, acknowledgedAt: null }, data: { acknowledgedAt: at, acknowledgedById: user.id } });
    if (done.count !== 1) throw new AppError('CONFLICT', 'This alert is already acknowledged');
    await tx.session.update({ where: { id: user.sessionId }, data: { signedAt: at }, select: { id: true } });
    return { alertId: req.alertId, acknowledgedAt: ev.occurredAt, auditSeq: ev.seq.toString() };
  });
}

/** The acknowledgement signatures of these alerts, from the chain (manifestation, 21 CFR 11.50). */
export async function acknowledgementsOf(db: TDb, alertIds: string[]): Promise<Map<string, { printedName: string; employeeId: string; meaning: string; at: Date; comment: string | null }>> {
  if (alertIds.length === 0) return new Map();
  const rows = await db.auditEvent.findMany({
    where: { chainId: defaultChainId(), entityType: 'SecurityAlert', entityId: { in: alertIds }, action: 'alert.acknowledge' },
    select: { entityId: true, newValue: true, occurredAt: true, reason: true },
  });
  return new Map(
    rows.map((r) => {
      const v = r.newValue as { printedName: string; employeeId: string; meaning: string };
      return [r.entityId ?? '', { printedName: v.printedName, employeeId: v.employeeId, meaning: v.meaning, at: r.occurredAt, comment: r.reason }];
    }),
  );
}
