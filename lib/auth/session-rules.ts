// Pure rules deciding whether a session may be used right now. No database here: the caller
// loads the session and user rows, these functions decide.

export type TSessionState =
  | 'ok'
  | 'missing'
  | 'revoked'
  | 'expired'
  | 'idle_locked'
  | 'user_disabled'
  | 'user_locked'
  | 'mfa_pending'
  | 'must_change_password'
  | 'password_expired';

export interface TSessionFacts {
  revokedAt: Date | null;
  absoluteExpiresAt: Date;
  lastActivityAt: Date;
  idleTimeoutS: number;
  mfaPending: boolean;
}

export interface TUserFacts {
  status: string;
  lockedAt: Date | null;
  mustChangePassword: boolean;
  passwordChangedAt: Date;
  passwordExpires: boolean;
}

export function idleDeadline(s: Pick<TSessionFacts, 'lastActivityAt' | 'idleTimeoutS'>): Date {
  return new Date(s.lastActivityAt.getTime() + s.idleTimeoutS * 1000);
}

export function passwordExpiresAt(u: TUserFacts, expiryDays: number): Date | null {
  if (expiryDays <= 0 || !u.passwordExpires) return null;
  return new Date(u.passwordChangedAt.getTime() + expiryDays * 86_400_000);
}

/**
 * Order matters: the hardest stop first. A revoked or expired session is over; a disabled or
 * locked user gets nothing; an idle-locked session may only be unlocked; the password states
 * allow only the change-password page.
 */
export function evaluateSession(
  s: TSessionFacts | null,
  u: TUserFacts | null,
  now: Date,
  cfg: { passwordExpiryDays: number },
): TSessionState {
  if (!s || !u) return 'missing';
  if (s.revokedAt) return 'revoked';
  if (now >= s.absoluteExpiresAt) return 'expired';
  if (u.status !== 'active') return 'user_disabled';
  if (u.lockedAt) return 'user_locked';
  if (now >= idleDeadline(s)) return 'idle_locked';
  if (s.mfaPending) return 'mfa_pending';
  if (u.mustChangePassword) return 'must_change_password';
  const exp = passwordExpiresAt(u, cfg.passwordExpiryDays);
  if (exp && now >= exp) return 'password_expired';
  return 'ok';
}

/** States in which the session still exists and may be brought back without signing in again. */
export const RECOVERABLE: ReadonlySet<TSessionState> = new Set(['idle_locked', 'mfa_pending', 'must_change_password', 'password_expired']);

/** Activity only extends a session that has not yet passed its idle deadline. */
export function mayRecordActivity(s: TSessionFacts, now: Date): boolean {
  return !s.revokedAt && now < s.absoluteExpiresAt && now < idleDeadline(s);
}
