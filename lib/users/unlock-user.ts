import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { requirePermission } from '@/lib/rbac/require-permission';

export const ZUnlockUser = z.object({
  userId: z.uuid('Unknown user'),
  reason: z.string().trim().min(3, 'Give the reason for unlocking').max(2000),
});

/** Unlocks a locked account (administrator action, with a reason). Audited. */
export async function unlockUser(db: TDb, actor: TCurrentUser, input: unknown): Promise<void> {
  requirePermission(actor, 'users.unlock');
  const parsed = ZUnlockUser.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const { userId, reason } = parsed.data;
  await db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ locked_at: Date | null; failed_attempts: number }>>`
      SELECT locked_at, failed_attempts FROM users WHERE id = ${userId}::uuid FOR UPDATE`;
    if (!rows[0]) throw new AppError('NOT_FOUND', 'Unknown user');
    if (!rows[0].locked_at) throw new AppError('CONFLICT', 'This account is not locked');
    await tx.user.update({ where: { id: userId }, data: { lockedAt: null, failedAttempts: 0 }, select: { id: true } });
    await appendAudit(tx, [
      {
        actor: userActor(actor, actor.sessionId),
        action: 'user.unlock',
        entityType: 'User',
        entityId: userId,
        oldValue: { lockedAt: rows[0].locked_at.toISOString(), failedAttempts: rows[0].failed_attempts },
        newValue: { lockedAt: null, failedAttempts: 0 },
        reason,
      },
    ]);
  });
}
