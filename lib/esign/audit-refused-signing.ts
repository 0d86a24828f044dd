import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';

/**
 * A signing refused before it reached the record (session idle-locked, password expired,
 * account locked) is still evidence: record who tried, on what, and why it was refused.
 */
export async function auditRefusedSigning(
  db: TDb,
  user: Pick<TCurrentUser, 'employeeId' | 'displayName' | 'roles' | 'sessionId'>,
  opts: { entityType: string; entityId: string; contextRef: string; reason: string },
): Promise<void> {
  await db.$transaction((tx) =>
    appendAudit(tx, [
      {
        actor: userActor(user, user.sessionId),
        action: 'esign.refused',
        entityType: opts.entityType,
        entityId: opts.entityId,
        reason: opts.reason,
        contextRef: opts.contextRef,
      },
    ]),
  );
}
