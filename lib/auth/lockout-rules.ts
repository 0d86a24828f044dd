// 11.300(d): repeated failures lock the account. Pure: the caller holds the user row lock.

export interface TLockoutFacts {
  failedAttempts: number;
  lockedAt: Date | null;
}

export type TAttemptOutcome = 'success' | 'failure';

export interface TLockoutDecision {
  failedAttempts: number;
  /** This attempt locks the account. */
  lockNow: boolean;
  /** Counted toward lockout (failures while locked are not). */
  counted: boolean;
}

/** A locked account is refused before its password is checked: nothing is hashed, nothing counted. */
export function isLocked(f: TLockoutFacts): boolean {
  return f.lockedAt !== null;
}

export function decideAttempt(f: TLockoutFacts, outcome: TAttemptOutcome, threshold: number): TLockoutDecision {
  if (isLocked(f)) return { failedAttempts: f.failedAttempts, lockNow: false, counted: false };
  if (outcome === 'success') return { failedAttempts: 0, lockNow: false, counted: false };
  const failedAttempts = f.failedAttempts + 1;
  return { failedAttempts, lockNow: failedAttempts >= threshold, counted: true };
}
