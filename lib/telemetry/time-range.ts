import { utcText } from '@/lib/format/utc-text';

// The time window of the telemetry views, from the address bar: a preset (range=1h|24h|7d)
// ending now, or a custom from/to (UTC). Pure, so the page and the chart agree on it.

export const RANGE_PRESETS = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 } as const;
export type TRangePreset = keyof typeof RANGE_PRESETS;
export const DEFAULT_PRESET: TRangePreset = '24h';

/** Narrower than this, a zoom shows a single reading at most; wider, a page would scan years. */
export const MIN_SPAN_MS = 10_000;
export const MAX_SPAN_MS = 400 * 86_400_000;

export interface TTimeRange {
  from: Date;
  to: Date;
  preset: TRangePreset | null;
}

export function isRangePreset(v: unknown): v is TRangePreset {
  return typeof v === 'string' && Object.hasOwn(RANGE_PRESETS, v);
}

/**
 * An instant typed as UTC: ISO 8601 with a zone, or without one (`2026-05-01 08:00`, the form's
 * format, labelled UTC). A space may stand for the T.
 */
export function parseUtc(v: string | undefined | null): Date | null {
  if (!v) return null;
  const s = v.trim().replace(' ', 'T');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/.test(s)) return null;
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  if (day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return null;
  const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/.test(s) ? s : `${s}Z`);
  return Number.isFinite(ms) ? new Date(ms) : null;
}

/** The form's text for an instant: `2026-05-01 08:00:05` (UTC, seconds kept). */
export function toUtcField(d: Date): string {
  return utcText(d);
}

/**
 * A preset wins when one is named; otherwise a valid custom from/to; otherwise the default
 * preset. A custom window that cannot be used is reported, and the default is shown instead.
 */
export function resolveTimeRange(
  params: { range?: string; from?: string; to?: string },
  now = new Date(),
  /** The device's last reading: with no window asked for, the chart opens on the data. */
  lastReadingAt: Date | null = null,
): { range: TTimeRange; error?: string } {
  const preset = (p: TRangePreset): TTimeRange => ({ from: new Date(now.getTime() - RANGE_PRESETS[p]), to: now, preset: p });
  if (isRangePreset(params.range)) return { range: preset(params.range) };
  if (!params.from && !params.to) return { range: lastReadingAt ? aroundLastReading(lastReadingAt, now) : preset(DEFAULT_PRESET) };
  const from = parseUtc(params.from);
  const to = parseUtc(params.to);
  if (!from || !to) return { range: preset(DEFAULT_PRESET), error: 'From and to must both be dates and times (UTC), e.g. 2026-05-01 08:00' };
  const span = to.getTime() - from.getTime();
  if (span < MIN_SPAN_MS) return { range: preset(DEFAULT_PRESET), error: 'From must be at least 10 seconds before to' };
  if (span > MAX_SPAN_MS) return { range: preset(DEFAULT_PRESET), error: 'Choose a window of at most 400 days' };
  return { range: { from, to, preset: null } };
}

/**
 * The default window when readings exist: the hour around the last reading — 55 minutes before
 * it, 5 after (never past now unless the reading itself is) — so the chart opens on data, not on
 * an empty day with a sliver at its edge. A recent last reading gives the last hour.
 */
export function aroundLastReading(last: Date, now = new Date()): TTimeRange {
  const end = Math.max(last.getTime(), Math.min(last.getTime() + 5 * 60_000, now.getTime()));
  const to = Math.max(end, last.getTime() + 1000);
  return { from: new Date(to - RANGE_PRESETS['1h']), to: new Date(to), preset: null };
}

/** Zoom by `factor` (< 1 zooms in) around `centre`, keeping at least MIN_SPAN_MS. */
export function zoomRange(from: number, to: number, factor: number, centre = (from + to) / 2): { from: number; to: number } {
  const span = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, (to - from) * factor));
  const left = (centre - from) / (to - from || 1);
  const start = Math.round(centre - span * left);
  return { from: start, to: start + Math.round(span) };
}

/** Move the window by `fraction` of its width (negative: earlier). */
export function panRange(from: number, to: number, fraction: number): { from: number; to: number } {
  const shift = Math.round((to - from) * fraction);
  return { from: from + shift, to: to + shift };
}
