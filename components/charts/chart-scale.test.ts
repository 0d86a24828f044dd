import { describe, expect, it } from 'vitest';
import { decimalsFor, formatDuration, nearestIndex, splitAtGaps, timeTicks, valueTicks } from '@/components/charts/chart-scale';

describe('chart scales', () => {
  it('puts value ticks at round numbers covering the data', () => {
    expect(valueTicks(2.3, 8.1, 5)).toMatchObject({ ticks: [2, 4, 6, 8, 10], min: 2, max: 10, step: 2 });
    expect(valueTicks(-4.2, 15.3, 5).ticks).toEqual([-5, 0, 5, 10, 15, 20]);
    expect(valueTicks(0.1, 0.3, 4).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
  });

  it('widens a flat series instead of dividing by zero', () => {
    const r = valueTicks(5, 5);
    expect(r.min).toBeLessThan(5);
    expect(r.max).toBeGreaterThan(5);
  });

  it('chooses the decimals from the tick step', () => {
    expect([decimalsFor(20), decimalsFor(1), decimalsFor(0.5), decimalsFor(0.05)]).toEqual([0, 0, 1, 2]);
  });

  it('puts time ticks at round UTC instants, with the date where the day changes', () => {
    const from = Date.parse('2026-05-01T22:10:00Z');
    const { ticks, step } = timeTicks(from, from + 4 * 3_600_000, 600);
    expect(step).toBe(3_600_000);
    expect(ticks.map((t) => t.label)).toEqual(['23:00', '00:00', '01:00', '02:00']);
    expect(ticks.map((t) => t.date)).toEqual(['2026-05-01', '2026-05-02', undefined, undefined]);
    const week = timeTicks(from, from + 7 * 86_400_000, 900);
    expect(week.ticks[0]).toMatchObject({ label: '05-02', date: '2026' });
    expect(timeTicks(from, from + 40_000, 900).ticks[0].label).toBe('22:10:00');
  });

  it('breaks the line only across a silence between two points', () => {
    const p = (firstAt: number, lastAt: number) => ({ firstAt, lastAt });
    const points = [p(0, 10), p(20, 30), p(100, 110), p(120, 130)];
    expect(splitAtGaps(points, [{ from: 30, to: 100 }])).toEqual([points.slice(0, 2), points.slice(2)]);
    // A silence inside one bucket leaves the line whole.
    expect(splitAtGaps(points, [{ from: 21, to: 29 }])).toEqual([points]);
    expect(splitAtGaps([], [])).toEqual([]);
  });

  it('finds the nearest point and says durations in words', () => {
    const pts = [{ t: 0 }, { t: 10 }, { t: 20 }];
    expect([nearestIndex(pts, -5), nearestIndex(pts, 14), nearestIndex(pts, 16), nearestIndex([], 3)]).toEqual([0, 1, 2, -1]);
    expect([formatDuration(45_000), formatDuration(12 * 60_000), formatDuration(3.5 * 3_600_000), formatDuration(2 * 86_400_000)]).toEqual(['45 s', '12 min', '3.5 h', '2 d']);
  });
});
