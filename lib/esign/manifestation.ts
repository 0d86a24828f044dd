import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { utcText } from '@/lib/format/utc-text';

// 21 CFR 11.50: a signed record shows the printed name, the date and time of signing and the
// meaning, wherever it is displayed or printed. 11.70: the context_ref links signature to record.

export interface TManifestInput {
  printedName: string;
  employeeId: string;
  meaning: TSignatureMeaning;
  signedAt: Date;
}

/** "2026-11-21 22:13:05 UTC" — the record's time of signing, server clock, second precision. */
export function formatUtc(d: Date): string {
  return `${utcText(d)} UTC`;
}

/** The viewer's local rendering of the same instant, e.g. "2026-11-21 23:13:05 CET". */
export function formatLocal(d: Date, timeZone: string, locale = 'en-GB'): string {
  const parts = new Intl.DateTimeFormat(locale, {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZoneName: 'short',
  }).formatToParts(d);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

/** One line, the same on screen, in lists and on paper. */
export function manifestationText(s: TManifestInput): string {
  return `${s.printedName} (${s.employeeId}) — ${s.meaning} — ${formatUtc(s.signedAt)}`;
}

export function recordContextRef(recordId: string, version: number, transition: string): string {
  return `Record:${recordId}/v${version}/transition:${transition}`;
}

const CONTEXT_REF = /^Record:([0-9a-f-]{36})\/v(\d+)\/transition:([a-z_]+)$/;

export function parseRecordContextRef(ref: string): { recordId: string; version: number; transition: string } | null {
  const m = CONTEXT_REF.exec(ref);
  return m ? { recordId: m[1], version: Number(m[2]), transition: m[3] } : null;
}
