import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PASSWORD_MAX, PASSWORD_MIN, checkPasswordPolicy } from '@/lib/auth/password-policy';

const ctx = { employeeId: 'QA-1042', displayName: 'Ada Lovelace' };
const words = ['violet', 'harbour', 'lantern', 'granite', 'meadow', 'falcon', 'copper', 'willow', 'quartz', 'ember'];

describe('password policy', () => {
  it('[11.300(a)] refuses anything shorter than the minimum, whatever it contains', () => {
    fc.assert(fc.property(fc.string({ maxLength: PASSWORD_MIN - 1 }), (p) => {
        expect(checkPasswordPolicy(p, ctx)).toMatch(/at least/);
      }));
  });

  it('refuses over-long passwords instead of truncating them', () => {
    fc.assert(
      fc.property(fc.integer({ min: PASSWORD_MAX + 1, max: PASSWORD_MAX + 50 }), (n) => {
        expect(checkPasswordPolicy('x'.repeat(n), ctx)).toMatch(/at most/);
      }),
    );
  });

  it('refuses passwords containing the employee ID or the name, in any case', () => {
    fc.assert(
      fc.property(fc.constantFrom('qa-1042', 'QA-1042', 'lovelace', 'ADA'), fc.constantFrom(...words), (part, w) => {
        const r = checkPasswordPolicy(`${w} ${part} ${w} 9371`, ctx);
        expect(r).toMatch(/employee ID|your name/);
      }),
    );
  });

  it('refuses common passwords, also padded with digits or symbols', () => {
    expect(checkPasswordPolicy('password123456', ctx)).toMatch(/commonly used/);
    expect(checkPasswordPolicy('!!qwertyuiop!!', ctx)).not.toBeNull();
  });

  it('accepts long phrases of unrelated words', () => {
    fc.assert(
      fc.property(fc.shuffledSubarray(words, { minLength: 4, maxLength: 4 }), fc.integer({ min: 10, max: 99 }), (ws, n) => {
        expect(checkPasswordPolicy(`${ws.join(' ')} ${n}`, ctx)).toBeNull();
      }),
      { numRuns: 30 },
    );
  });
});
