import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { authConfig } from '@/lib/auth/auth-config';
import { loadUserForAttempt, type TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import { hashRecoveryCode, looksLikeRecoveryCode, matchTotpStep, openMfaSecret } from '@/lib/auth/mfa';
import { hashPassword, verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import { recordCredentialFailure } from '@/lib/auth/record-failure';
import { observeSignIn } from '@/lib/metrics/signin-metrics';
import type { TDb, TTx } from '@/lib/db/client';

// 21 CFR 11.300: sign-in with employee ID and password. One message for unknown user and wrong
// password (same status, similar time: unknown users hash against a dummy); a distinct message
// only for a locked or disabled account.

export const MSG_INVALID = 'Invalid employee ID or password';
export const MSG_LOCKED = 'Account locked — contact an administrator';
export const MSG_DISABLED = 'Account disabled — contact an administrator';
export const MSG_MFA_REQUIRED = 'Enter the 6-digit code from your authenticator app';
export const MSG_MFA_INVALID = 'Invalid authentication code';

export const ZCredentials = z.object({
  employeeId: z.string().trim().min(1, 'Employee ID is required').max(64, 'Employee ID is too long'),
  password: z.string().min(1, 'Password is required').max(PASSWORD_INPUT_LIMIT, 'Password is too long'),
  otp: z.string().trim().max(32, 'Code is too long').optional(),
});
export type TCredentials = z.infer<typeof ZCredentials>;

export type TAuthFailure = 'BAD_REQUEST' | 'INVALID' | 'LOCKED' | 'DISABLED' | 'MFA_REQUIRED' | 'MFA_INVALID';
export type TAuthResult =
  | { ok: true; sessionId: string; userId: string }
  | { ok: false; code: TAuthFailure; message: string };

let dummyHash: Promise<string> | null = null;
function dummy(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export function requiresMfa(u: Pick<TAttemptUser, 'roles'>): boolean {
  return u.roles.includes('Administrator');
}

export async function authenticate(
  db: TDb,
  input: unknown,
  ctx: { ip?: string | null; userAgent?: string | null } = {},
): Promise<TAuthResult> {
  const parsed = ZCredentials.safeParse(input);
  if (!parsed.success) return { ok: false, code: 'BAD_REQUEST', message: parsed.error.issues[0].message };
  const { employeeId, password, otp } = parsed.data;
  const cfg = authConfig();
  await dummy();

  return db.$transaction(
    async (tx) => {
      const u = await loadUserForAttempt(tx, { employeeId });
      if (!u) {
        await verifyPassword(await dummy(), password);
        await appendAudit(tx, [
          {
            actor: { type: 'user', id: employeeId.slice(0, 64), name: null },
            action: 'auth.sign_in_failed',
            entityType: 'User',
            entityId: null,
            reason: 'unknown employee ID',
            newValue: { ip: ctx.ip ?? null },
          },
        ]);
        return fail('INVALID', MSG_INVALID);
      }
      if (u.lockedAt) {
        // Refused before the password is checked: nothing hashed, nothing counted.
        await appendAudit(tx, [refusal(u, 'account locked', ctx)]);
        return fail('LOCKED', MSG_LOCKED);
      }
      const passwordOk = await verifyPassword(u.passwordHash, password);
      if (!passwordOk) {
        const locked = await recordCredentialFailure(tx, u, {
          threshold: cfg.lockoutThreshold,
          action: 'auth.sign_in_failed',
          reason: 'wrong password',
        });
        return locked ? fail('LOCKED', MSG_LOCKED) : fail('INVALID', MSG_INVALID);
      }
      if (u.status !== 'active') {
        await appendAudit(tx, [refusal(u, 'account disabled', ctx)]);
        return fail('DISABLED', MSG_DISABLED);
      }
      const mfaEnrolled = Boolean(u.mfaEnabledAt && u.mfaSecretEnc);
      if (requiresMfa(u) && mfaEnrolled) {
        if (!otp) return fail('MFA_REQUIRED', MSG_MFA_REQUIRED);
        const ok = await checkSecondFactor(tx, u, otp);
        if (!ok) {
          const locked = await recordCredentialFailure(tx, u, {
            threshold: cfg.lockoutThreshold,
            action: 'auth.mfa_failed',
            reason: 'wrong authentication code',
          });
          return locked ? fail('LOCKED', MSG_LOCKED) : fail('MFA_INVALID', MSG_MFA_INVALID);
        }
      }
      const sessionId = randomBytes(32).toString('base64url');
      const now = new Date();
      await tx.session.create({
        data: {
          id: sessionId,
          userId: u.id,
          createdAt: now,
          lastActivityAt: now,
          absoluteExpiresAt: new Date(now.getTime() + cfg.sessionMaxHours * 3_600_000),
          idleTimeoutS: cfg.idleTimeoutS,
          // Administrators without a second factor must enrol one before anything else.
          mfaPending: requiresMfa(u) && !mfaEnrolled,
          ip: ctx.ip?.slice(0, 100) ?? null,
          userAgent: ctx.userAgent?.slice(0, 300) ?? null,
        },
        select: { id: true },
      });
      await tx.user.update({
        where: { id: u.id },
        data: { failedAttempts: 0, lastSignInAt: now },
        select: { id: true },
      });
      await appendAudit(tx, [
        {
          actor: userActor(u, sessionId),
          action: 'auth.sign_in',
          entityType: 'Session',
          entityId: sessionId.slice(0, 12),
          newValue: { ip: ctx.ip ?? null, mfa: mfaEnrolled ? 'totp' : null, previousFailures: u.failedAttempts },
        },
      ]);
      return { ok: true as const, sessionId, userId: u.id };
    },
    // Attempts on one account wait for each other (row lock); give them room to queue.
    { maxWait: 60_000, timeout: 60_000 },
  ).then((r) => (observeSignIn(r), r));
}

function fail(code: TAuthFailure, message: string): TAuthResult {
  return { ok: false, code, message };
}

function refusal(u: TAttemptUser, why: string, ctx: { ip?: string | null }) {
  return {
    actor: userActor(u),
    action: 'auth.sign_in_refused',
    entityType: 'User',
    entityId: u.id,
    reason: why,
    newValue: { ip: ctx.ip ?? null },
  };
}

/** A TOTP code, or one unused recovery code (consumed). */
async function checkSecondFactor(tx: TTx, u: TAttemptUser, code: string): Promise<boolean> {
  if (looksLikeRecoveryCode(code)) {
    const used = await tx.mfaRecoveryCode.updateMany({
      where: { userId: u.id, codeHash: hashRecoveryCode(code), usedAt: null },
      data: { usedAt: new Date() },
    });
    return used.count === 1;
  }
  const step = await matchTotpStep(openMfaSecret(u.id, u.mfaSecretEnc!), code);
  if (step === null) return false;
  // Each code works once: a step at or before the last accepted one is a replay.
  const used = await tx.user.updateMany({
    where: { id: u.id, OR: [{ mfaLastStep: null }, { mfaLastStep: { lt: BigInt(step) } }] },
    data: { mfaLastStep: BigInt(step) },
  });
  return used.count === 1;
}
