import { describe, expect, it } from 'vitest';
import { retryDelayS } from '@/lib/alerts/alert-kinds';
import { verificationDue } from '@/lib/alerts/scheduled-verification';

describe('alert rules', () => {
  it('doubles the webhook retry delay, capped at an hour', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayS(a, 30))).toEqual([30, 60, 120, 240]);
    expect(retryDelayS(20, 30)).toBe(3600);
  });
  it('runs the scheduled verification once per day, after its time', () => {
    const at = (s: string) => new Date(s);
    expect(verificationDue(at('2030-01-01T01:59:59Z'), null, '02:00')).toBe(false);
    expect(verificationDue(at('2030-01-01T02:00:00Z'), null, '02:00')).toBe(true);
    expect(verificationDue(at('2030-01-01T09:00:00Z'), at('2030-01-01T02:00:05Z'), '02:00')).toBe(false);
    expect(verificationDue(at('2030-01-02T02:01:00Z'), at('2030-01-01T02:00:05Z'), '02:00')).toBe(true);
    expect(verificationDue(at('2030-01-02T02:01:00Z'), null, 'off')).toBe(false);
    expect(() => verificationDue(at('2030-01-02T02:01:00Z'), null, 'daily')).toThrow('HH:MM');
  });
});
