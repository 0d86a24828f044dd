import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { appendAudit } from '@/lib/audit/append-audit';
import { userActor } from '@/lib/auth/actor';
import { sessionRef } from '@/lib/auth/session-ref';
import { authConfig } from '@/lib/auth/auth-config';
import { attemptCredential, dummyPasswordHash } from '@/lib/auth/attempt-credential';
import type { TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import { hashRecoveryCode, looksLikeRecoveryCode, matchTotpStep, openMfaSecret } from '@/lib/auth/mfa';
import { verifyPassword } from '@/lib/auth/password-hash';
import { PASSWORD_INPUT_LIMIT } from '@/lib/auth/password-policy';
import { observeSignIn } from '@/lib/metrics/signin-metrics';
import type { TDb, TTx } from '@/lib/db/client';

// 21 CFR 11.300: sign-in with employee ID and password, through the one credential ceremony
// (lib/auth/attempt-credential.ts). ASVS 6.3.8: an unknown employee ID gets exactly the answers
// a real one gets — "invalid" until the threshold, then "locked" — and costs the same hash; a
// disabled account answers like a locked one.

export const MSG_INVALID = 'Invalid employee ID or password';
export const MSG_LOCKED = 'Account locked — contact an administrator';
export const MSG_MFA_REQUIRED = 'Enter the 6-digit code from your authenticator app';
export const MSG_MFA_INVALID = 'Invalid authentication code';

export const ZCredentials = z.object({
  employeeId: z.string().trim().min(1, 'Employee ID is required').max(64, 'Employee ID is too long'),
  password: z.string().min(1, 'Password is required').max(PASSWORD_INPUT_LIMIT, 'Password is too long'),
  otp: z.string().trim().max(32, 'Code is too long').optional(),
});
export type TCredentials = z.infer<typeof ZCredentials>;

export type TAuthFailure = 'BAD_REQUEST' | 'INVALID' | 'LOCKED' | 'MFA_REQUIRED' | 'MFA_INVALID' | 'THROTTLED';
export type TAuthResult =
  | { ok: true; sessionId: string; userId: string }
  | { ok: false; code: TAuthFailure; message: string; retryAfterS?: number };

export function requiresMfa(u: Pick<TAttemptUser, 'roles'>): boolean {
  return u.roles.includes('Administrator');
}

export async function authenticate(
  db: TDb,
  input: unknown,
  ctx: { ip?: string | null; userAgent?: string | null; replacesSessionId?: string | null } = {},
): Promise<TAuthResult> {
  const parsed = ZCredentials.safeParse(input);
  if (!parsed.success) return { ok: false, code: 'BAD_REQUEST', message: parsed.error.issues[0].message };
  const { employeeId, password, otp } = parsed.data;
  const cfg = authConfig();
  await dummyPasswordHash();

  return db.$transaction(
    async (tx) => {
      const mfaOf = (u: TAttemptUser) => requiresMfa(u) && Boolean(u.mfaEnabledAt && u.mfaSecretEnc);
      const r = await attemptCredential(tx, {
        by: { employeeId },
        failureAction: 'auth.sign_in_failed',
        throttle: true,
        ip: ctx.ip,
        unknown: { password, ip: ctx.ip },
        verify: async (u) => {
          if (!(await verifyPassword(u.passwordHash, password))) return { ok: false, reason: 'wrong password', tag: 'password' };
          if (!mfaOf(u)) return { ok: true };
          if (!otp) return { ok: false, halt: 'MFA_REQUIRED' };
          if (!(await checkSecondFactor(tx, u, otp))) return { ok: false, reason: 'wrong authentication code', action: 'auth.mfa_failed', tag: 'mfa' };
          return { ok: true };
        },
      });
      if (!r.ok) {
        switch (r.code) {
          case 'THROTTLED':
            return { ok: false as const, code: 'THROTTLED' as const, message: msgThrottled(r.retryAfterS), retryAfterS: r.retryAfterS };
          case 'UNKNOWN':
            return fail('INVALID', MSG_INVALID);
          case 'DISABLED':
            // Answered like a lock (no enumeration), before anything is hashed.
            await appendAudit(tx, [refusal(r.user, 'account disabled', ctx)]);
            return fail('LOCKED', MSG_LOCKED);
          case 'LOCKED':
            // Refused before the password is checked: nothing hashed, nothing counted.
            if (r.user && !r.lockedNow) await appendAudit(tx, [refusal(r.user, 'account locked', ctx)]);
            return fail('LOCKED', MSG_LOCKED);
          case 'HALT':
            return fail('MFA_REQUIRED', MSG_MFA_REQUIRED);
          case 'WRONG':
            return r.tag === 'mfa' ? fail('MFA_INVALID', MSG_MFA_INVALID) : fail('INVALID', MSG_INVALID);
        }
      }
      const u = r.user;
      const mfaEnrolled = Boolean(u.mfaEnabledAt && u.mfaSecretEnc);
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
      await tx.user.update({ where: { id: u.id }, data: { lastSignInAt: now }, select: { id: true } });
      // ASVS 7.2.4: a sign-in in a browser that still holds a session ends that older session.
      const replaced = ctx.replacesSessionId ? await endReplacedSession(tx, ctx.replacesSessionId, sessionId) : null;
      await appendAudit(tx, [
        {
          actor: userActor(u, sessionId),
          action: 'auth.sign_in',
          entityType: 'Session',
          entityId: sessionRef(sessionId),
          newValue: {
            ip: ctx.ip ?? null,
            userAgent: ctx.userAgent?.slice(0, 300) ?? null,
            mfa: mfaEnrolled ? 'totp' : null,
            previousFailures: r.previousFailures,
            replacedSession: replaced,
          },
        },
      ]);
      return { ok: true as const, sessionId, userId: u.id };
    },
    // Attempts on one account wait for each other (row lock); give them room to queue.
    { maxWait: 60_000, timeout: 60_000 },
  ).then((r) => (observeSignIn(r), r));
}

async function endReplacedSession(tx: TTx, oldId: string, newId: string): Promise<string | null> {
  if (oldId === newId) return null;
  const old = await tx.session.findUnique({
    where: { id: oldId },
    select: { revokedAt: true, user: { select: { employeeId: true, displayName: true, roles: { select: { role: { select: { name: true } } } } } } },
  });
  if (!old || old.revokedAt) return null;
  await tx.session.update({ where: { id: oldId }, data: { revokedAt: new Date(), revokedReason: 'replaced by a new sign-in' }, select: { id: true } });
  const u = { ...old.user, roles: old.user.roles.map((x) => x.role.name) };
  await appendAudit(tx, [
    { actor: userActor(u, oldId), action: 'auth.sign_out', entityType: 'Session', entityId: sessionRef(oldId), reason: 'replaced by a new sign-in in the same browser' },
  ]);
  return sessionRef(oldId);
}

export function msgThrottled(s: number): string {
  return `Too many attempts — try again in ${s} s`;
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
