import { describe, expect, it } from 'vitest';
import { readingFlags, stepExcursion, type TExcursionState } from '@/lib/ingest/reading-rules';

const t = (s: number) => new Date(Date.UTC(2026, 10, 21, 10, 0, s));
const limits = { min: 2, max: 8, minDurationS: 60 };
const idle: TExcursionState = { startedAt: null, peak: null, readings: 0, recordId: null };

describe('reading rules', () => {
  it('[11.10(f)] flags skew beyond ±1 s and late (buffered) data, never rewriting the device time', () => {
    expect(readingFlags({ deviceTime: t(0), receivedAt: new Date(t(0).getTime() + 900), calibrationDue: null, outOfLimits: false }).flags).toEqual([]);
    expect(readingFlags({ deviceTime: t(0), receivedAt: t(2), calibrationDue: null, outOfLimits: false })).toEqual({ flags: ['clock_skew'], skewMs: -2000 });
    expect(readingFlags({ deviceTime: t(5), receivedAt: t(0), calibrationDue: null, outOfLimits: false }).flags).toEqual(['clock_skew']);
    expect(readingFlags({ deviceTime: t(0), receivedAt: new Date(t(0).getTime() + 3_600_000), calibrationDue: null, outOfLimits: false }).flags).toEqual(['late']);
  });

  it('[11.10(h)] flags readings taken after the calibration due date', () => {
    const due = new Date(Date.UTC(2026, 10, 20));
    expect(readingFlags({ deviceTime: t(0), receivedAt: t(0), calibrationDue: due, outOfLimits: false }).flags).toEqual(['calibration_overdue']);
    expect(readingFlags({ deviceTime: t(0), receivedAt: t(0), calibrationDue: new Date(Date.UTC(2026, 10, 21)), outOfLimits: false }).flags).toEqual([]);
  });

  it('[11.10(f)] opens one excursion after the minimum duration outside limits, and closes it when back inside', () => {
    let s = idle;
    let r = stepExcursion(s, 9, t(0), limits);
    expect(r.action.type).toBe('none');
    s = r.state;
    r = stepExcursion(s, 11, t(30), limits);
    expect(r.action.type).toBe('none');
    s = r.state;
    r = stepExcursion(s, 10, t(61), limits);
    expect(r.action).toEqual({ type: 'open', startedAt: t(0), peak: 11, readings: 3 });
    s = { ...r.state, recordId: 'rec-1' };
    r = stepExcursion(s, 12, t(70), limits);
    expect(r.action.type).toBe('none');
    expect(r.state.peak).toBe(12);
    r = stepExcursion(r.state, 5, t(80), limits);
    // What the excursion record is updated with: end, start, the peak and the readings outside.
    expect(r.action).toEqual({ type: 'close', endedAt: t(80), recordId: 'rec-1', startedAt: t(0), peak: 12, readings: 4 });
    expect(r.state).toEqual(idle);
  });

  it('a short blip outside limits opens nothing', () => {
    const a = stepExcursion(idle, 1, t(0), limits);
    const b = stepExcursion(a.state, 3, t(10), limits);
    expect([a.action.type, b.action.type]).toEqual(['none', 'none']);
    expect(a.state.peak).toBe(1);
  });
});
