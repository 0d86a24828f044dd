import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { sessionRef } from '@/lib/auth/session-ref';
import type { TDb } from '@/lib/db/client';

/** Ends a session for good (sign-out, switch user, disabled account). Audited; idempotent. */
export async function revokeSession(db: TDb, sessionId: string, reason: string): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const s = await tx.session.findUnique({
      where: { id: sessionId },
      select: {
        revokedAt: true,
        user: { select: { employeeId: true, displayName: true, roles: { select: { role: { select: { name: true } } } } } },
      },
    });
    if (!s || s.revokedAt) return false;
    await tx.session.update({ where: { id: sessionId }, data: { revokedAt: new Date(), revokedReason: reason }, select: { id: true } });
    const u = { ...s.user, roles: s.user.roles.map((r) => r.role.name) };
    await appendAudit(tx, [
      { actor: userActor(u, sessionId), action: 'auth.sign_out', entityType: 'Session', entityId: sessionRef(sessionId), reason },
    ]);
    return true;
  });
}
