// RFC 3339 §5.6 `date-time` as gateways other than the seed's send it: `T` or `t`, an optional
// fraction of 1–9 digits, and `Z`/`z` or a numeric offset ±HH:MM. The text is kept as sent (it is
// inside the signed canonical, 21 CFR 11.10(a)); only the instant is derived from it, for
// device_time (timestamptz), which holds microseconds: digits beyond the sixth are truncated,
// never rounded, so the stored instant is never later than the one signed.
//
// Refused, with the reason: no offset (a local time is not an instant), a space or another
// separator, a leap second (:60 — PostgreSQL and JavaScript have none), dates that do not exist
// (2024-02-30), offsets beyond ±23:59 or without the colon (+2400, +0200), more than 9 fraction
// digits, and instants outside the years 0001–9999 once converted to UTC. `-00:00` (RFC 3339
// §4.3, "offset unknown", the time given in UTC) is the same instant as `Z`.

export type TRfc3339 =
  | {
      ok: true;
      /** The instant, at the millisecond precision of a JavaScript Date (truncated). */
      instant: Date;
      /** The instant in UTC with exactly six fraction digits: `2024-05-01T10:00:00.123456Z`. */
      utcMicros: string;
    }
  | { ok: false; reason: string };

const SHAPE = /^(\d{4})-(\d{2})-(\d{2})([Tt])(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))?$/;

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysIn = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

function shapeReason(text: string): string {
  if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text)) return 'date and time must be separated by T, not a space';
  if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text)) return 'no UTC offset (Z or ±HH:MM): a local time is not an instant';
  if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}\.(?![0-9])/.test(text)) return 'a decimal point needs at least one digit';
  if (/^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{4}$/.test(text)) return 'the UTC offset must be ±HH:MM (with a colon)';
  return 'expected an RFC 3339 date-time YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)';
}

export function parseRfc3339(text: string): TRfc3339 {
  const m = SHAPE.exec(text);
  if (!m || (m[9] === undefined && m[10] === undefined)) return { ok: false, reason: shapeReason(text) };
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[5], m[6], m[7]].map(Number);
  const fraction = m[8] ?? '';
  if (fraction.length > 9) return { ok: false, reason: `at most 9 fraction digits (nanoseconds), got ${fraction.length}` };
  if (mo < 1 || mo > 12) return { ok: false, reason: `month ${m[2]} does not exist` };
  if (d < 1 || d > daysIn(y, mo)) return { ok: false, reason: `${m[1]}-${m[2]}-${m[3]} is not a calendar date` };
  if (h > 23) return { ok: false, reason: `hour ${m[5]} is beyond 23` };
  if (mi > 59) return { ok: false, reason: `minute ${m[6]} is beyond 59` };
  if (s === 60) return { ok: false, reason: 'leap second (:60) is not accepted' };
  if (s > 59) return { ok: false, reason: `second ${m[7]} is beyond 59` };
  let offsetMin = 0;
  if (m[10] !== undefined) {
    const oh = Number(m[11]);
    const om = Number(m[12]);
    if (oh > 23 || om > 59) return { ok: false, reason: `UTC offset ${m[10]}${m[11]}:${m[12]} is beyond ±23:59` };
    offsetMin = (m[10] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const micros = Number(fraction.padEnd(9, '0').slice(0, 6));
  // Calendar arithmetic rather than Date methods: this runs for every reading, several times,
  // and a Date built and set field by field costs many times the arithmetic.
  const utcSeconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offsetMin * 60;
  const utcDays = Math.floor(utcSeconds / 86_400);
  const [uy, umo, ud] = civilFromDays(utcDays);
  if (uy < 1 || uy > 9999) return { ok: false, reason: 'the instant in UTC is outside the years 0001–9999' };
  const daySeconds = utcSeconds - utcDays * 86_400;
  const instant = new Date(utcSeconds * 1000 + Math.floor(micros / 1000));
  const utcMicros = `${pad(uy, 4)}-${pad(umo, 2)}-${pad(ud, 2)}T${pad(Math.floor(daySeconds / 3600), 2)}:${pad(Math.floor(daySeconds / 60) % 60, 2)}:${pad(daySeconds % 60, 2)}.${pad(micros, 6)}Z`;
  return { ok: true, instant, utcMicros };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The proleptic Gregorian date of a day count since 1970-01-01 (civil_from_days). */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** The microsecond UTC text for telemetry.device_time, or null when the text is not an RFC 3339 instant. */
export function rfc3339UtcMicros(text: string): string | null {
  const r = parseRfc3339(text);
  return r.ok ? r.utcMicros : null;
}
