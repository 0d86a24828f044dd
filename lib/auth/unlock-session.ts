import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { sessionRef } from '@/lib/auth/session-ref';
import { attemptCredential } from '@/lib/auth/attempt-credential';
import { MSG_LOCKED, msgThrottled } from '@/lib/auth/authenticate';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/**
 * Idle-lock re-entry: the same user's password brings the same session back (the page in the
 * browser was never left). Wrong passwords count toward lockout.
 */
export async function unlockSession(db: TDb, sessionId: string, password: unknown, ctx: { ip?: string | null } = {}): Promise<void> {
  if (typeof password !== 'string' || password.length === 0) throw new AppError('BAD_REQUEST', 'Password is required', { password: 'required' });
  if (password.length > PASSWORD_INPUT_LIMIT) throw new AppError('BAD_REQUEST', 'Password is too long', { password: 'too long' });
  const outcome = await db.$transaction(
    async (tx) => {
      const s = await tx.session.findUnique({
        where: { id: sessionId },
        select: { userId: true, revokedAt: true, absoluteExpiresAt: true },
      });
      if (!s || s.revokedAt || s.absoluteExpiresAt <= new Date()) return 'ended' as const;
      const r = await attemptCredential(tx, {
        by: { id: s.userId },
        failureAction: 'auth.unlock_failed',
        sessionId,
        ip: ctx.ip,
        throttle: true,
        verify: async (u) => ((await verifyPassword(u.passwordHash, password)) ? { ok: true } : { ok: false, reason: 'wrong password at idle unlock' }),
      });
      if (!r.ok) {
        if (r.code === 'THROTTLED') return { throttled: r.retryAfterS };
        if (r.code === 'UNKNOWN' || r.code === 'DISABLED') return 'ended' as const;
        if (r.code === 'LOCKED' && r.lockedNow) {
          await tx.session.update({ where: { id: sessionId }, data: { revokedAt: new Date(), revokedReason: 'account locked' }, select: { id: true } });
        }
        return r.code === 'LOCKED' ? ('locked' as const) : ('wrong' as const);
      }
      const u = r.user;
      // A new unlocked period: continuous-session signing starts over with a full signing.
      await tx.session.update({ where: { id: sessionId }, data: { lastActivityAt: new Date(), signedAt: null }, select: { id: true } });
      await appendAudit(tx, [
        { actor: userActor(u, sessionId), action: 'auth.session_unlock', entityType: 'Session', entityId: sessionRef(sessionId) },
      ]);
      return 'ok' as const;
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
  if (typeof outcome === 'object') throw new AppError('RATE_LIMITED', msgThrottled(outcome.throttled), undefined, outcome.throttled);
  if (outcome === 'ended') throw new AppError('UNAUTHENTICATED', 'Your session has ended — sign in again');
  if (outcome === 'locked') throw new AppError('LOCKED', MSG_LOCKED);
  if (outcome === 'wrong') throw new AppError('BAD_REQUEST', 'Wrong password', { password: 'Wrong password' });
}
