import { randomBytes } from 'node:crypto';
import { appendAudit } from '@/lib/audit/append-audit';
import { authConfig } from '@/lib/auth/auth-config';
import { loadUserForAttempt, type TAttemptUser } from '@/lib/auth/load-user-for-attempt';
import { isLocked } from '@/lib/auth/lockout-rules';
import { hashPassword, verifyPassword } from '@/lib/auth/password-hash';
import { recordCredentialFailure } from '@/lib/auth/record-failure';
import { hitThrottle, throttleKeys } from '@/lib/auth/throttle';
import type { TTx } from '@/lib/db/client';

// 21 CFR 11.300(d), ASVS 6.3.8 / 2.2.1: the one credential ceremony. Every check of a person's
// credentials — sign-in, idle unlock, e-signature (records, change requests, commissioning,
// go-live, alert acknowledgement), password change, second factor and its enrolment, the CLI's
// `--as` — goes through attemptCredential:
//   throttle → load and row-lock the person → disabled/locked? → verify → count or reset.
// A failure counts toward lockout and is audited; a success resets the consecutive count. The
// caller's transaction must commit either way.

export type TVerdict =
  | { ok: true }
  /** Counted toward lockout and audited under `action` (default: the ceremony's failureAction). */
  | { ok: false; reason: string; action?: string; tag?: string }
  /** Neither a success nor a failure (e.g. the second factor is still to be entered). */
  | { ok: false; halt: string };

export type TCeremonyResult =
  | { ok: true; user: TAttemptUser; previousFailures: number }
  | { ok: false; code: 'THROTTLED'; retryAfterS: number }
  /** No such person (by id: the session's user is gone). */
  | { ok: false; code: 'UNKNOWN' }
  | { ok: false; code: 'DISABLED'; user: TAttemptUser }
  | { ok: false; code: 'LOCKED'; user: TAttemptUser | null; lockedNow: boolean }
  | { ok: false; code: 'WRONG'; user: TAttemptUser | null; tag?: string }
  | { ok: false; code: 'HALT'; user: TAttemptUser; halt: string };

export interface TCeremony {
  by: { employeeId: string } | { id: string };
  /** Audit action of a counted failure (e.g. auth.sign_in_failed, esign.failed). */
  failureAction: string;
  /** The checks, run with the user row locked. */
  verify: (u: TAttemptUser) => Promise<TVerdict>;
  sessionId?: string | null;
  contextRef?: string | null;
  ip?: string | null;
  /** Apply the rate limit (sign-in, unlock, signing). */
  throttle?: boolean;
  /**
   * Unknown employee IDs are answered exactly like a real account: a dummy hash, a count per
   * normalized ID, locked from the threshold on (ASVS 6.3.8). Password given for the dummy hash.
   */
  unknown?: { password: string; ip?: string | null };
}

let dummyHash: Promise<string> | null = null;
/** A hash of a random password, so an unknown ID costs the same work as a wrong password. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}

export function normalizeEmployeeId(s: string): string {
  return s.trim().toLowerCase();
}

export async function attemptCredential(tx: TTx, c: TCeremony): Promise<TCeremonyResult> {
  const cfg = authConfig();
  if (c.throttle) {
    const keys = throttleKeys({ employeeId: 'employeeId' in c.by ? c.by.employeeId : null, userId: 'id' in c.by ? c.by.id : null, ip: c.ip });
    const t = hitThrottle(keys, cfg.ratePerMinute);
    if (t) return { ok: false, code: 'THROTTLED', retryAfterS: t.retryAfterS };
  }
  let u = await loadUserForAttempt(tx, c.by);
  if (!u) {
    if (!('employeeId' in c.by) || !c.unknown) return { ok: false, code: 'UNKNOWN' };
    return unknownAttempt(tx, c.by.employeeId, c, c.unknown);
  }
  if (u.status !== 'active') return { ok: false, code: 'DISABLED', user: u };
  if (isLocked(u)) {
    const released = await autoUnlock(tx, u, cfg.lockoutMinutes);
    if (!released) return { ok: false, code: 'LOCKED', user: u, lockedNow: false };
    u = released;
  }
  const v = await c.verify(u);
  if (v.ok) {
    if (u.failedAttempts !== 0) await tx.user.update({ where: { id: u.id }, data: { failedAttempts: 0 }, select: { id: true } });
    return { ok: true, user: { ...u, failedAttempts: 0 }, previousFailures: u.failedAttempts };
  }
  if ('halt' in v) return { ok: false, code: 'HALT', user: u, halt: v.halt };
  const lockedNow = await recordCredentialFailure(tx, u, {
    threshold: cfg.lockoutThreshold,
    action: v.action ?? c.failureAction,
    reason: v.reason,
    sessionId: c.sessionId ?? null,
    contextRef: c.contextRef ?? null,
  });
  return lockedNow ? { ok: false, code: 'LOCKED', user: u, lockedNow: true } : { ok: false, code: 'WRONG', user: u, tag: v.tag };
}

/**
 * NIST SP 800-63B §5.2.2 allows an account to unlock itself after a while; 21 CFR 11.300(d)
 * expects an administrator to look first. CUSTOS_LOCKOUT_MINUTES=0 (the default) keeps the lock
 * until an administrator unlocks; a positive value releases it that many minutes after it was
 * set, audited as a system action.
 */
async function autoUnlock(tx: TTx, u: TAttemptUser, minutes: number): Promise<TAttemptUser | null> {
  if (minutes <= 0 || !u.lockedAt) return null;
  const [{ now }] = await tx.$queryRaw<Array<{ now: Date }>>`SELECT now() AS now`;
  if (u.lockedAt.getTime() + minutes * 60_000 > now.getTime()) return null;
  await tx.user.update({ where: { id: u.id }, data: { lockedAt: null, failedAttempts: 0 }, select: { id: true } });
  await appendAudit(tx, [
    {
      actor: { type: 'system', id: 'system:lockout', name: 'Custos lockout', role: null, sessionId: null },
      action: 'user.unlock',
      entityType: 'User',
      entityId: u.id,
      oldValue: { lockedAt: u.lockedAt.toISOString(), failedAttempts: u.failedAttempts },
      newValue: { lockedAt: null, failedAttempts: 0 },
      reason: `automatic unlock after ${minutes} minutes (CUSTOS_LOCKOUT_MINUTES)`,
    },
  ]);
  return { ...u, lockedAt: null, failedAttempts: 0 };
}

async function unknownAttempt(
  tx: TTx,
  employeeId: string,
  c: TCeremony,
  unknown: { password: string; ip?: string | null },
): Promise<TCeremonyResult> {
  const cfg = authConfig();
  const norm = normalizeEmployeeId(employeeId).slice(0, 64);
  // Row-locked like a user row: parallel guesses on one unknown ID count one by one.
  await tx.$executeRaw`
    DELETE FROM unknown_sign_in_failures WHERE employee_id_norm = ${norm}
      AND (expires_at <= now() OR (${cfg.lockoutMinutes} > 0 AND locked_at + make_interval(mins => ${cfg.lockoutMinutes}) <= now()))`;
  await tx.$executeRaw`
    INSERT INTO unknown_sign_in_failures (employee_id_norm, failed_attempts, expires_at)
    VALUES (${norm}, 0, now() + make_interval(mins => ${cfg.unknownIdMemoryMinutes}))
    ON CONFLICT (employee_id_norm) DO NOTHING`;
  const [row] = await tx.$queryRaw<Array<{ failed: number; lockedAt: Date | null }>>`
    SELECT failed_attempts AS failed, locked_at AS "lockedAt" FROM unknown_sign_in_failures WHERE employee_id_norm = ${norm} FOR UPDATE`;
  const actor = { type: 'user' as const, id: employeeId.trim().slice(0, 64), name: null };
  if (row.lockedAt) {
    await appendAudit(tx, [
      { actor, action: 'auth.sign_in_refused', entityType: 'User', entityId: null, reason: 'unknown employee ID (locked like an account)', newValue: { ip: unknown.ip ?? null } },
    ]);
    return { ok: false, code: 'LOCKED', user: null, lockedNow: false };
  }
  await verifyPassword(await dummyPasswordHash(), unknown.password);
  const failed = row.failed + 1;
  const lockNow = failed >= cfg.lockoutThreshold;
  await tx.$executeRaw`
    UPDATE unknown_sign_in_failures SET failed_attempts = ${failed}, locked_at = CASE WHEN ${lockNow} THEN now() ELSE NULL END,
      expires_at = now() + make_interval(mins => ${cfg.unknownIdMemoryMinutes})
    WHERE employee_id_norm = ${norm}`;
  await appendAudit(tx, [
    {
      actor,
      action: c.failureAction,
      entityType: 'User',
      entityId: null,
      reason: 'unknown employee ID',
      newValue: { ip: unknown.ip ?? null, failedAttempts: failed, threshold: cfg.lockoutThreshold },
    },
  ]);
  return lockNow ? { ok: false, code: 'LOCKED', user: null, lockedNow: true } : { ok: false, code: 'WRONG', user: null };
}
