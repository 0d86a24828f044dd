import { authConfig } from '@/lib/auth/auth-config';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { loadUserForAttempt, type TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import { recordCredentialFailure } from '@/lib/auth/record-failure';
import type { TTx } from '@/lib/db/client';

export type TSignerCheck = { ok: true; signer: TAttemptUser } | { ok: false; message: string; locked: boolean };

/**
 * 21 CFR 11.200(a): both components (employee ID and password) are re-entered for a signature,
 * and must be those of the signed-in person. With continuous-session signing enabled, later
 * signings in the same unlocked session need only the password (11.200(a)(1)(i)).
 * A failure counts toward lockout and is audited (in the caller's transaction, which must commit).
 */
export async function checkSigner(
  tx: TTx,
  user: TCurrentUser,
  creds: { employeeId?: unknown; password?: unknown },
  ctx: { contextRef: string },
): Promise<TSignerCheck> {
  const cfg = authConfig();
  const u = await loadUserForAttempt(tx, { id: user.id });
  if (!u || u.status !== 'active') return { ok: false, message: 'Account disabled — contact an administrator', locked: true };
  if (u.lockedAt) return { ok: false, message: 'Account locked — contact an administrator', locked: true };
  const abbreviated = cfg.continuousSessionSigning && user.signedAt !== null;
  const employeeId = typeof creds.employeeId === 'string' ? creds.employeeId.trim() : '';
  const password = typeof creds.password === 'string' ? creds.password : '';
  if (!password || password.length > PASSWORD_INPUT_LIMIT) return { ok: false, message: 'Enter your password to sign', locked: false };
  if (!abbreviated && !employeeId) return { ok: false, message: 'Enter your employee ID to sign', locked: false };

  const idMatches = abbreviated && !employeeId ? true : employeeId.toLowerCase() === u.employeeId.toLowerCase();
  const passwordOk = await verifyPassword(u.passwordHash, password);
  if (idMatches && passwordOk) return { ok: true, signer: u };
  const locked = await recordCredentialFailure(tx, u, {
    threshold: cfg.lockoutThreshold,
    action: 'esign.failed',
    reason: idMatches ? 'wrong password at signing' : 'employee ID at signing is not the signed-in user',
    sessionId: user.sessionId,
    contextRef: ctx.contextRef,
  });
  if (locked) return { ok: false, message: 'Account locked — contact an administrator', locked: true };
  return {
    ok: false,
    message: idMatches ? 'Signature refused: wrong password' : 'Signature refused: the employee ID is not yours',
    locked: false,
  };
}
