import { describe, expect, it } from 'vitest';
import { panRange, parseUtc, resolveTimeRange, toUtcField, zoomRange } from '@/lib/telemetry/time-range';

const now = new Date('2026-05-01T12:00:00Z');

describe('telemetry time range', () => {
  it('uses the named preset, ending now, even when from and to are also in the address', () => {
    const { range, error } = resolveTimeRange({ range: '1h', from: '2026-01-01T00:00', to: '2026-01-02T00:00' }, now);
    expect(error).toBeUndefined();
    expect(range).toEqual({ from: new Date('2026-05-01T11:00:00Z'), to: now, preset: '1h' });
  });

  it('reads a custom window as UTC, with or without a zone', () => {
    const { range } = resolveTimeRange({ from: '2026-04-30T08:00', to: '2026-04-30T09:30:15.5Z' }, now);
    expect(range.from.toISOString()).toBe('2026-04-30T08:00:00.000Z');
    expect(range.to.toISOString()).toBe('2026-04-30T09:30:15.500Z');
    expect(range.preset).toBeNull();
  });

  it('falls back to the last 24 hours and says why when the custom window is unusable', () => {
    expect(resolveTimeRange({ from: 'yesterday', to: '2026-04-30T09:00' }, now).error).toMatch(/dates and times/);
    expect(resolveTimeRange({ from: '2026-04-30T09:00', to: '2026-04-30T08:00' }, now).error).toMatch(/before to/);
    const r = resolveTimeRange({ from: '2020-01-01T00:00', to: '2026-01-01T00:00' }, now);
    expect(r.error).toMatch(/400 days/);
    expect(r.range.preset).toBe('24h');
  });

  it('[UI] with no window asked for, opens on the hour around the last reading, not an empty day', () => {
    // A reading three days ago: the hour that ends five minutes after it.
    const old = new Date('2026-04-28T06:30:00Z');
    expect(resolveTimeRange({}, now, old).range).toEqual({ from: new Date('2026-04-28T05:35:00Z'), to: new Date('2026-04-28T06:35:00Z'), preset: null });
    // A reading two minutes ago: the last hour, ending now.
    const recent = new Date('2026-05-01T11:58:00Z');
    expect(resolveTimeRange({}, now, recent).range).toEqual({ from: new Date('2026-05-01T11:00:00Z'), to: now, preset: null });
    // No readings: the last 24 hours; a preset asked for still wins.
    expect(resolveTimeRange({}, now, null).range.preset).toBe('24h');
    expect(resolveTimeRange({ range: '7d' }, now, old).range.preset).toBe('7d');
  });

  it('refuses instants that are not calendar dates', () => {
    expect(parseUtc('2026-02-30T10:00')).toBeNull();
    expect(parseUtc('2026-05-01 10:00')?.toISOString()).toBe('2026-05-01T10:00:00.000Z');
    expect(parseUtc('01/05/2026 10:00')).toBeNull();
    expect(toUtcField(new Date('2026-05-01T10:00:05.250Z'))).toBe('2026-05-01 10:00:05');
  });

  it('zooms around the centre and keeps the point under the pointer in place', () => {
    expect(zoomRange(0, 100_000, 0.5)).toEqual({ from: 25_000, to: 75_000 });
    const z = zoomRange(0, 100_000, 0.5, 20_000);
    expect(z).toEqual({ from: 10_000, to: 60_000 });
    expect(zoomRange(0, 12_000, 0.1).to - zoomRange(0, 12_000, 0.1).from).toBe(10_000);
  });

  it('pans by a fraction of the window', () => {
    expect(panRange(1000, 2000, -0.25)).toEqual({ from: 750, to: 1750 });
  });
});
