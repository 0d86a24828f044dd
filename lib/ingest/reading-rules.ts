// Pure rules applied to each accepted reading: clock checks (device time is stored as sent,
// never rewritten) and the excursion state machine per device (11.10(f)(h)).

import { parseRfc3339 } from '@/lib/ingest/rfc3339';

export const SKEW_LIMIT_MS = 1000;
export const LATE_AFTER_MS = 60_000;

/** The device's instant (RFC 3339, milliseconds truncated); null when the text is not one. */
export function parseDeviceTime(ts: string): Date | null {
  const r = parseRfc3339(ts);
  return r.ok ? r.instant : null;
}

export function readingFlags(opts: { deviceTime: Date | null; receivedAt: Date; calibrationDue: Date | null; outOfLimits: boolean }): { flags: string[]; skewMs: number | null } {
  const flags: string[] = [];
  let skewMs: number | null = null;
  if (!opts.deviceTime) flags.push('unparseable_time');
  else {
    skewMs = opts.deviceTime.getTime() - opts.receivedAt.getTime();
    // Buffered (late) data is accepted and flagged; clock skew is flagged for review.
    if (skewMs < -LATE_AFTER_MS) flags.push('late');
    else if (Math.abs(skewMs) > SKEW_LIMIT_MS) flags.push('clock_skew');
    if (opts.calibrationDue && opts.deviceTime.getTime() >= opts.calibrationDue.getTime() + 86_400_000) flags.push('calibration_overdue');
  }
  if (opts.outOfLimits) flags.push('out_of_limits');
  return { flags, skewMs };
}

export interface TExcursionState {
  startedAt: Date | null;
  peak: number | null;
  readings: number;
  recordId: string | null;
}

export interface TLimits {
  min: number | null;
  max: number | null;
  minDurationS: number;
}

export type TExcursionAction = { type: 'none' } | { type: 'open'; startedAt: Date; peak: number; readings: number } | { type: 'close'; endedAt: Date; recordId: string | null; startedAt: Date; peak: number | null; readings: number };

export function outOfLimits(value: number, l: TLimits): boolean {
  return (l.min !== null && value < l.min) || (l.max !== null && value > l.max);
}

/** A run of readings outside the limits for at least minDurationS opens one excursion; a reading back inside ends it. */
export function stepExcursion(s: TExcursionState, value: number, at: Date, l: TLimits): { state: TExcursionState; action: TExcursionAction } {
  const out = outOfLimits(value, l);
  if (!out) {
    if (!s.startedAt) return { state: s, action: { type: 'none' } };
    return { state: { startedAt: null, peak: null, readings: 0, recordId: null }, action: s.recordId ? { type: 'close', endedAt: at, recordId: s.recordId, startedAt: s.startedAt, peak: s.peak, readings: s.readings } : { type: 'none' } };
  }
  const startedAt = s.startedAt ?? at;
  // The peak is the value furthest outside the limits, in the direction of this excursion.
  const above = l.max !== null && value > l.max;
  const peak = s.peak === null ? value : above ? Math.max(value, s.peak) : Math.min(value, s.peak);
  const next: TExcursionState = { startedAt, peak, readings: s.readings + 1, recordId: s.recordId };
  const longEnough = at.getTime() - startedAt.getTime() >= l.minDurationS * 1000;
  if (!s.recordId && longEnough) return { state: next, action: { type: 'open', startedAt, peak, readings: next.readings } };
  return { state: next, action: { type: 'none' } };
}
