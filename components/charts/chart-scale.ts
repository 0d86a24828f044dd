import { utcText } from '@/lib/format/utc-text';

// Pure helpers of the time-series chart: value ticks at round numbers, time ticks at round UTC
// instants, and where the line must break (a silence is never drawn as if data existed).

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 56 * DAY,
];

/** Round value ticks (1, 2 or 5 × 10^n apart) covering [min, max], and the domain they span. */
export function valueTicks(min: number, max: number, count = 5): { ticks: number[]; min: number; max: number; step: number } {
  if (!(max > min)) {
    const pad = Math.abs(min) > 0 ? Math.abs(min) * 0.1 : 1;
    return valueTicks(min - pad, max + pad, count);
  }
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(12)));
  return { ticks, min: lo, max: hi, step };
}

/** Digits after the point for ticks `step` apart (steps are 1, 2 or 5 × 10^n: 0.5 → 1, 0.05 → 2, 20 → 0). */
export function decimalsFor(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

export interface TTimeTick {
  t: number;
  label: string;
  /** The date, under the first tick and wherever the day changes (steps under a day). */
  date?: string;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Ticks at round UTC instants, at most one per `minPx` pixels of `width`. */
export function timeTicks(from: number, to: number, width: number, minPx = 90): { ticks: TTimeTick[]; step: number } {
  const span = Math.max(1, to - from);
  const most = Math.max(2, Math.floor(width / minPx));
  const step = TIME_STEPS.find((s) => span / s <= most) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks: TTimeTick[] = [];
  let lastDay = '';
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) {
    const d = new Date(t);
    const day = d.toISOString().slice(0, 10);
    const time = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
    if (step >= DAY) ticks.push({ t, label: day.slice(5), date: day.slice(0, 4) !== lastDay.slice(0, 4) ? day.slice(0, 4) : undefined });
    else ticks.push({ t, label: step < MINUTE ? `${time}:${pad2(d.getUTCSeconds())}` : time, date: day !== lastDay ? day : undefined });
    lastDay = day;
  }
  return { ticks, step };
}

/** `2026-05-01 08:00:05` (UTC). */
export function formatInstant(t: number): string {
  return utcText(t);
}

/** A value with at least one decimal (6 → 6.0), otherwise as it is (floating-point noise trimmed). */
export function formatValue(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(Number(v.toFixed(6)));
}

/** A duration in words for labels: 45 s, 12 min, 3.5 h, 2 d. */
export function formatDuration(ms: number): string {
  if (ms < MINUTE) return `${Math.round(ms / SECOND)} s`;
  if (ms < HOUR) return `${Math.round(ms / MINUTE)} min`;
  if (ms < DAY) return `${Number((ms / HOUR).toFixed(1))} h`;
  return `${Number((ms / DAY).toFixed(1))} d`;
}

/**
 * Consecutive points split wherever a silence lies between them (a gap starting at or after the
 * last reading of one point and ending at or before the first reading of the next).
 */
export function splitAtGaps<T extends { firstAt: number; lastAt: number }>(points: readonly T[], gaps: ReadonlyArray<{ from: number; to: number }>): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let g = 0;
  const sorted = [...gaps].sort((a, b) => a.from - b.from);
  for (const p of points) {
    const prev = current[current.length - 1];
    if (prev) {
      while (g < sorted.length && sorted[g].to <= prev.lastAt) g++;
      const broken = g < sorted.length && sorted[g].from >= prev.lastAt && sorted[g].to <= p.firstAt;
      if (broken) {
        out.push(current);
        current = [];
      }
    }
    current.push(p);
  }
  if (current.length) out.push(current);
  return out;
}

/** Index of the point nearest to t in points sorted by t (binary search), or -1. */
export function nearestIndex(points: ReadonlyArray<{ t: number }>, t: number): number {
  if (points.length === 0) return -1;
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid].t < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(points[lo - 1].t - t) <= Math.abs(points[lo].t - t)) return lo - 1;
  return lo;
}
