import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
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

/** Step 2: a valid code proves the app holds the seed; recovery codes are returned once. */
export async function confirmMfaEnrolment(db: TDb, user: TCurrentUser, code: unknown): Promise<{ recoveryCodes: string[] }> {
  if (typeof code !== 'string' || !/^\d{6}$/.test(code.trim())) {
    throw new AppError('BAD_REQUEST', 'Enter the 6-digit code', { code: 'Enter the 6-digit code' });
  }
  const row = await db.user.findUnique({ where: { id: user.id }, select: { mfaSecretEnc: true, mfaEnabledAt: true } });
  if (!row?.mfaSecretEnc) throw new AppError('CONFLICT', 'Start the set-up again');
  if (row.mfaEnabledAt) throw new AppError('CONFLICT', 'Two-factor authentication is already set up');
  if (!(await verifyTotp(openMfaSecret(user.id, row.mfaSecretEnc), code.trim()))) {
    throw new AppError('BAD_REQUEST', 'That code is not valid — check the time on your device', { code: 'Invalid code' });
  }
  const codes = newRecoveryCodes();
  await db.$transaction(async (tx) => {
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
  });
  return { recoveryCodes: codes };
}
