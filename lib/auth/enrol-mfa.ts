import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { attemptCredential } from '@/lib/auth/attempt-credential';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { hashRecoveryCode, mfaUri, newMfaSecret, newRecoveryCodes, openMfaSecret, sealMfaSecret, verifyTotp } from '@/lib/auth/mfa';
import type { TDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';

/** Step 1: a new seed, kept sealed and pending until a code from it is entered. */
export async function startMfaEnrolment(db: TDb, user: TCurrentUser): Promise<{ secret: string; uri: string }> {
  if (user.mfaEnabled) throw new AppError('CONFLICT', 'Two-factor authentication is already set up');
  const secret = newMfaSecret();
  await db.user.update({ where: { id: user.id }, data: { mfaSecretEnc: sealMfaSecret(user.id, secret) }, select: { id: true } });
  return { secret, uri: mfaUri(user.employeeId, secret) };
}

export const MSG_WRONG_CODE = 'Wrong code';

/** Step 2: a valid code proves the app holds the seed; recovery codes are returned once. */
export async function confirmMfaEnrolment(db: TDb, user: TCurrentUser, code: unknown): Promise<{ recoveryCodes: string[] }> {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) {
    throw new AppError('BAD_REQUEST', 'Enter the 6-digit code', { code: 'Enter the 6-digit code' });
  }
  const codes = newRecoveryCodes();
  // A wrong code is a failed credential check like any other: "Wrong code", audited, counted.
  const outcome = await db.$transaction(
    async (tx) => {
      const row = await tx.user.findUnique({ where: { id: user.id }, select: { mfaSecretEnc: true, mfaEnabledAt: true } });
      if (!row?.mfaSecretEnc) return 'restart' as const;
      if (row.mfaEnabledAt) return 'enrolled' as const;
      const sealed = row.mfaSecretEnc;
      const r = await attemptCredential(tx, {
        by: { id: user.id },
        failureAction: 'auth.mfa_enrol_failed',
        sessionId: user.sessionId,
        verify: async () => ((await verifyTotp(openMfaSecret(user.id, sealed), code.trim())) ? { ok: true } : { ok: false, reason: 'wrong code at second-factor enrolment' }),
      });
      if (!r.ok) {
        if (r.code === 'UNKNOWN' || r.code === 'DISABLED') return 'ended' as const;
        return r.code === 'LOCKED' ? ('locked' as const) : ('wrong' as const);
      }
      const now = new Date();
      await tx.user.update({ where: { id: user.id }, data: { mfaEnabledAt: now }, select: { id: true } });
      await tx.mfaRecoveryCode.createMany({ data: codes.map((c) => ({ userId: user.id, codeHash: hashRecoveryCode(c) })) });
      await tx.session.update({ where: { id: user.sessionId }, data: { mfaPending: false }, select: { id: true } });
      await appendAudit(tx, [
        {
          actor: userActor(user, user.sessionId),
          action: 'user.mfa_enrol',
          entityType: 'User',
          entityId: user.id,
          newValue: { method: 'totp', recoveryCodes: codes.length, enabledAt: now.toISOString() },
        },
      ]);
      return 'ok' as const;
    },
    { maxWait: 60_000, timeout: 60_000 },
  );
  if (outcome === 'restart') throw new AppError('CONFLICT', 'Start the set-up again');
  if (outcome === 'enrolled') throw new AppError('CONFLICT', 'Two-factor authentication is already set up');
  if (outcome === 'ended') throw new AppError('UNAUTHENTICATED', 'Your session has ended — sign in again');
  if (outcome === 'locked') throw new AppError('LOCKED', 'Account locked — contact an administrator');
  if (outcome === 'wrong') throw new AppError('BAD_REQUEST', MSG_WRONG_CODE, { code: MSG_WRONG_CODE });
  return { recoveryCodes: codes };
}
