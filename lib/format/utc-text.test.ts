import { describe, expect, it } from 'vitest';
import { utcText } from '@/lib/format/utc-text';

describe('utcText', () => {
  it('[11.10(e)] shows an instant in UTC to the second, whatever it is given as', () => {
    expect(utcText('2026-11-21T22:13:05.123456Z')).toBe('2026-11-21 22:13:05');
    expect(utcText(new Date('2026-11-21T23:13:05+01:00'))).toBe('2026-11-21 22:13:05');
    expect(utcText(Date.UTC(2026, 10, 21, 22, 13, 5, 999))).toBe('2026-11-21 22:13:05');
  });
});
