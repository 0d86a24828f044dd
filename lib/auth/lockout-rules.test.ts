import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideAttempt, isLocked } from '@/lib/auth/lockout-rules';

describe('lockout rules', () => {
  it('[11.300(d)] the third consecutive failure locks the account', () => {
    let f = { failedAttempts: 0, lockedAt: null as Date | null };
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const d = decideAttempt(f, 'failure', 3);
      seen.push(d.lockNow);
      f = { failedAttempts: d.failedAttempts, lockedAt: d.lockNow ? new Date() : null };
    }
    expect(seen).toEqual([false, false, true]);
    expect(isLocked(f)).toBe(true);
  });

  it('[11.300(d)] failures while locked are not counted, and a locked account stays locked on success', () => {
    const locked = { failedAttempts: 3, lockedAt: new Date() };
    expect(decideAttempt(locked, 'failure', 3)).toEqual({ failedAttempts: 3, lockNow: false, counted: false });
    expect(decideAttempt(locked, 'success', 3)).toEqual({ failedAttempts: 3, lockNow: false, counted: false });
  });

  it('success resets the counter', () => {
    expect(decideAttempt({ failedAttempts: 2, lockedAt: null }, 'success', 3)).toEqual({ failedAttempts: 0, lockNow: false, counted: false });
  });

  it('any sequence of outcomes locks exactly when the threshold of consecutive failures is reached', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 30 }), fc.integer({ min: 1, max: 6 }), (outcomes, threshold) => {
        let f = { failedAttempts: 0, lockedAt: null as Date | null };
        let run = 0;
        let expectedLockAt = -1;
        outcomes.forEach((ok, i) => {
          if (expectedLockAt === -1) {
            run = ok ? 0 : run + 1;
            if (run === threshold) expectedLockAt = i;
          }
        });
        let lockedAt = -1;
        outcomes.forEach((ok, i) => {
          const d = decideAttempt(f, ok ? 'success' : 'failure', threshold);
          if (d.lockNow) lockedAt = i;
          f = { failedAttempts: d.failedAttempts, lockedAt: f.lockedAt ?? (d.lockNow ? new Date() : null) };
        });
        expect(lockedAt).toBe(expectedLockAt);
      }),
    );
  });
});
