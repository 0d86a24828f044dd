import { authConfig } from '@/lib/auth/auth-config';
import { attemptCredential } from '@/lib/auth/attempt-credential';
import { msgThrottled } from '@/lib/auth/authenticate';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import type { TTx } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

export type TSignerCheck = { ok: true; signer: TAttemptUser } | { ok: false; message: string; locked: boolean; retryAfterS?: number };

/**
 * 21 CFR 11.200(a): both components (employee ID and password) are re-entered for a signature,
 * and must be those of the signed-in person. With continuous-session signing enabled, later
 * signings in the same unlocked session need only the password (11.200(a)(1)(i)).
 * Through the one credential ceremony: rate-limited, a failure counts toward lockout and is
 * audited, a success resets the consecutive count (in the caller's transaction, which must commit).
 */
export async function checkSigner(
  tx: TTx,
  user: TCurrentUser,
  creds: { employeeId?: unknown; password?: unknown },
  ctx: { contextRef: string },
): Promise<TSignerCheck> {
  const abbreviated = signingIsAbbreviated(user);
  const employeeId = typeof creds.employeeId === 'string' ? creds.employeeId.trim() : '';
  const password = typeof creds.password === 'string' ? creds.password : '';
  if (!password || password.length > PASSWORD_INPUT_LIMIT) return { ok: false, message: 'Enter your password to sign', locked: false };
  if (!abbreviated && !employeeId) return { ok: false, message: 'Enter your employee ID to sign', locked: false };

  const r = await attemptCredential(tx, {
    by: { id: user.id },
    failureAction: 'esign.failed',
    sessionId: user.sessionId,
    contextRef: ctx.contextRef,
    throttle: true,
    verify: async (u) => {
      const idMatches = abbreviated && !employeeId ? true : employeeId.toLowerCase() === u.employeeId.toLowerCase();
      const passwordOk = await verifyPassword(u.passwordHash, password);
      if (idMatches && passwordOk) return { ok: true };
      return idMatches
        ? { ok: false, reason: 'wrong password at signing', tag: 'password' }
        : { ok: false, reason: 'employee ID at signing is not the signed-in user', tag: 'employeeId' };
    },
  });
  if (r.ok) return { ok: true, signer: r.user };
  switch (r.code) {
    case 'THROTTLED':
      return { ok: false, message: msgThrottled(r.retryAfterS), locked: false, retryAfterS: r.retryAfterS };
    case 'UNKNOWN':
    case 'DISABLED':
      return { ok: false, message: 'Account disabled — contact an administrator', locked: true };
    case 'LOCKED':
      return { ok: false, message: 'Account locked — contact an administrator', locked: true };
    default:
      return {
        ok: false,
        message: r.code === 'WRONG' && r.tag === 'employeeId' ? 'Signature refused: the employee ID is not yours' : 'Signature refused: wrong password',
        locked: false,
      };
  }
}

function signingIsAbbreviated(user: TCurrentUser): boolean {
  return authConfig().continuousSessionSigning && user.signedAt !== null;
}

/** The refusal as the error its caller throws: 423 locked, 429 throttled (Retry-After), else 400 on the password. */
export function signerError(s: Extract<TSignerCheck, { ok: false }>): AppError {
  if (s.retryAfterS !== undefined) return new AppError('RATE_LIMITED', s.message, undefined, s.retryAfterS);
  return new AppError(s.locked ? 'LOCKED' : 'BAD_REQUEST', s.message, s.locked ? undefined : { password: s.message });
}
