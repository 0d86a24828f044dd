import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { authConfig } from '@/lib/auth/auth-config';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { attemptCredential } from '@/lib/auth/attempt-credential';
import { hashPassword, verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT, checkPasswordPolicy } from '@/lib/auth/password-policy';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

export const ZChangePassword = z
  .object({
    current: z.string().min(1, 'Enter your current password').max(PASSWORD_INPUT_LIMIT, 'Too long'),
    next: z.string().min(1, 'Enter a new password').max(PASSWORD_INPUT_LIMIT, 'Too long'),
    confirm: z.string().max(PASSWORD_INPUT_LIMIT, 'Too long'),
  })
  .refine((v) => v.next === v.confirm, { path: ['confirm'], message: 'The two new passwords differ' });
export type TChangePassword = z.input<typeof ZChangePassword>;

/**
 * 11.300(b): password change (first sign-in, after a reset, on expiry, or by choice). The new
 * password must meet the policy and differ from the current one and the last N (default 5).
 */
export async function changePassword(db: TDb, user: TCurrentUser, input: TChangePassword): Promise<void> {
  const parsed = ZChangePassword.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
    throw new AppError('BAD_REQUEST', Object.values(fields)[0], fields);
  }
  const { current, next } = parsed.data;
  const weak = checkPasswordPolicy(next, user);
  if (weak) throw new AppError('BAD_REQUEST', weak, { next: weak });
  const cfg = authConfig();
  const newHash = await hashPassword(next);

  const outcome = await db.$transaction(
    async (tx) => {
      const r = await attemptCredential(tx, {
        by: { id: user.id },
        failureAction: 'auth.password_change_failed',
        sessionId: user.sessionId,
        verify: async (u) => ((await verifyPassword(u.passwordHash, current)) ? { ok: true } : { ok: false, reason: 'wrong current password' }),
      });
      if (!r.ok) {
        if (r.code === 'UNKNOWN' || r.code === 'DISABLED') return 'ended' as const;
        return r.code === 'LOCKED' ? ('locked' as const) : ('wrong' as const);
      }
      const u = r.user;
      const history = await tx.passwordHistory.findMany({
        where: { userId: u.id },
        orderBy: { createdAt: 'desc' },
        take: Math.max(0, cfg.passwordHistory - 1),
        select: { passwordHash: true },
      });
      for (const h of [u.passwordHash, ...history.map((x) => x.passwordHash)]) {
        if (await verifyPassword(h, next)) return 'reused' as const;
      }
      const now = new Date();
      await tx.passwordHistory.create({ data: { userId: u.id, passwordHash: u.passwordHash }, select: { id: true } });
      await tx.user.update({
        where: { id: u.id },
        data: { passwordHash: newHash, passwordChangedAt: now, mustChangePassword: false, updatedAt: now },
        select: { id: true },
      });
      await appendAudit(tx, [
        {
          actor: userActor(u, user.sessionId),
          action: 'user.password_change',
          entityType: 'User',
          entityId: u.id,
          newValue: { passwordChangedAt: now.toISOString() },
          reason: 'changed by the user',
        },
      ]);
      return 'ok' as const;
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
  if (outcome === 'ended') throw new AppError('UNAUTHENTICATED', 'Your session has ended — sign in again');
  if (outcome === 'locked') throw new AppError('LOCKED', 'Account locked — contact an administrator');
  if (outcome === 'wrong') throw new AppError('BAD_REQUEST', 'Current password is wrong', { current: 'Current password is wrong' });
  if (outcome === 'reused') {
    const msg = `Choose a password you have not used for your last ${cfg.passwordHistory} passwords`;
    throw new AppError('BAD_REQUEST', msg, { next: msg });
  }
}
