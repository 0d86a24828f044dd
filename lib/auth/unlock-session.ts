import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { authConfig } from '@/lib/auth/auth-config';
import { MSG_LOCKED } from '@/lib/auth/authenticate';
import { loadUserForAttempt } from '@/lib/auth/load-user-for-attempt';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import { recordCredentialFailure } from '@/lib/auth/record-failure';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * Idle-lock re-entry: the same user's password brings the same session back (the page in the
 * browser was never left). Wrong passwords count toward lockout.
 */
export async function unlockSession(db: TDb, sessionId: string, password: unknown): Promise<void> {
  if (typeof password !== 'string' || password.length === 0) throw new AppError('BAD_REQUEST', 'Password is required', { password: 'required' });
  if (password.length > PASSWORD_INPUT_LIMIT) throw new AppError('BAD_REQUEST', 'Password is too long', { password: 'too long' });
  const cfg = authConfig();
  const outcome = await db.$transaction(
    async (tx) => {
      const s = await tx.session.findUnique({
        where: { id: sessionId },
        select: { userId: true, revokedAt: true, absoluteExpiresAt: true },
      });
      if (!s || s.revokedAt || s.absoluteExpiresAt <= new Date()) return 'ended' as const;
      const u = await loadUserForAttempt(tx, { id: s.userId });
      if (!u || u.status !== 'active') return 'ended' as const;
      if (u.lockedAt) return 'locked' as const;
      if (!(await verifyPassword(u.passwordHash, password))) {
        const locked = await recordCredentialFailure(tx, u, {
          threshold: cfg.lockoutThreshold,
          action: 'auth.unlock_failed',
          reason: 'wrong password at idle unlock',
          sessionId,
        });
        if (locked) {
          await tx.session.update({ where: { id: sessionId }, data: { revokedAt: new Date(), revokedReason: 'account locked' }, select: { id: true } });
        }
        return locked ? ('locked' as const) : ('wrong' as const);
      }
      // A new unlocked period: continuous-session signing starts over with a full signing.
      await tx.session.update({ where: { id: sessionId }, data: { lastActivityAt: new Date(), signedAt: null }, select: { id: true } });
      await tx.user.update({ where: { id: u.id }, data: { failedAttempts: 0 }, select: { id: true } });
      await appendAudit(tx, [
        { actor: userActor(u, sessionId), action: 'auth.session_unlock', entityType: 'Session', entityId: sessionId.slice(0, 12) },
      ]);
      return 'ok' as const;
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
  if (outcome === 'ended') throw new AppError('UNAUTHENTICATED', 'Your session has ended — sign in again');
  if (outcome === 'locked') throw new AppError('LOCKED', MSG_LOCKED);
  if (outcome === 'wrong') throw new AppError('BAD_REQUEST', 'Wrong password', { password: 'Wrong password' });
}
