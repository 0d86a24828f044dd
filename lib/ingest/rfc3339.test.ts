import { describe, expect, it } from 'vitest';
import { parseRfc3339 } from '@/lib/ingest/rfc3339';
import { parseDeviceTime } from '@/lib/ingest/reading-rules';
import { ZGatewayReading, ZHmacPayload } from '@/lib/ingest/schemas';
import { JsonNumber } from '@/lib/ingest/json-value';

const ACCEPTED: Array<[string, string]> = [
  // The seed 001 gateway's own format (Python isoformat), byte-exact as today.
  ['2024-05-01T12:00:00+00:00', '2024-05-01T12:00:00.000000Z'],
  ['2024-05-01T12:00:00.123456+00:00', '2024-05-01T12:00:00.123456Z'],
  ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.000000Z'],
  ['2024-05-01t12:00:00z', '2024-05-01T12:00:00.000000Z'],
  ['2024-05-01T12:00:00.1Z', '2024-05-01T12:00:00.100000Z'],
  ['2024-05-01T12:00:00.123Z', '2024-05-01T12:00:00.123000Z'],
  ['2024-05-01T12:00:00.1234567Z', '2024-05-01T12:00:00.123456Z'],
  // Digits beyond the microsecond are truncated, never rounded up.
  ['2024-05-01T12:00:00.999999999Z', '2024-05-01T12:00:00.999999Z'],
  ['2024-05-01T12:00:00.123456789+02:00', '2024-05-01T10:00:00.123456Z'],
  ['2024-05-01T01:30:00-05:30', '2024-05-01T07:00:00.000000Z'],
  ['2024-05-01T00:15:00+01:00', '2024-04-30T23:15:00.000000Z'],
  ['2024-12-31T23:59:59.5-23:59', '2025-01-01T23:58:59.500000Z'],
  ['2024-05-01T12:00:00-00:00', '2024-05-01T12:00:00.000000Z'],
  ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000000Z'],
  ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000000Z'],
  ['0050-06-01T00:00:00Z', '0050-06-01T00:00:00.000000Z'],
];

const REFUSED: Array<[string, RegExp]> = [
  ['2024-05-01T12:00:00', /no UTC offset/],
  ['2024-05-01T12:00:00.123456', /no UTC offset/],
  ['2024-05-01 12:00:00Z', /separated by T, not a space/],
  ['2024-05-01T23:59:60Z', /leap second/],
  ['2024-02-30T12:00:00Z', /2024-02-30 is not a calendar date/],
  ['2023-02-29T12:00:00Z', /not a calendar date/],
  ['1900-02-29T12:00:00Z', /not a calendar date/],
  ['2024-13-01T12:00:00Z', /month 13/],
  ['2024-05-01T24:00:00Z', /hour 24/],
  ['2024-05-01T12:60:00Z', /minute 60/],
  ['2024-05-01T12:00:00+2400', /±HH:MM \(with a colon\)/],
  ['2024-05-01T12:00:00+24:00', /beyond ±23:59/],
  ['2024-05-01T12:00:00+02:60', /beyond ±23:59/],
  ['2024-05-01T12:00:00.1234567890Z', /at most 9 fraction digits/],
  ['2024-05-01T12:00:00.Z', /at least one digit/],
  ['2024-05-01T12:00Z', /expected an RFC 3339 date-time/],
  ['2024-5-1T12:00:00Z', /expected an RFC 3339 date-time/],
  ['2024-05-01T12:00:00+00', /expected an RFC 3339 date-time/],
  ['2024-05-01T12:00:00 Z', /expected an RFC 3339 date-time/],
  ['2024-05-01T12:00:00Z ', /expected an RFC 3339 date-time/],
  ['２０２４-05-01T12:00:00Z', /expected an RFC 3339 date-time/],
  ['0000-01-01T00:30:00+01:00', /outside the years 0001–9999/],
  ['9999-12-31T23:30:00-01:00', /outside the years 0001–9999/],
];

const reading = (ts: string) => ZGatewayReading.safeParse({ sensor_id: 'S-1', value: new JsonNumber('1.5'), unit: 'C', ts_utc: ts });

describe('RFC 3339 device timestamps (seed 001 ts_utc)', () => {
  it.each(ACCEPTED)('[11.10(a)] ALCOA contemporaneous: %s is accepted as the UTC instant %s', (text, utc) => {
    const r = parseRfc3339(text);
    expect(r).toMatchObject({ ok: true, utcMicros: utc });
    if (r.ok) expect(r.instant.toISOString()).toBe(`${utc.slice(0, 23)}Z`);
    expect(reading(text).success).toBe(true);
    // The text is kept as signed: the schema does not rewrite it.
    expect(reading(text).data?.ts_utc).toBe(text);
  });

  it.each(REFUSED)('[11.10(a)] accurate records: %s is refused (%s)', (text, reason) => {
    const r = parseRfc3339(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
    const z = reading(text);
    expect(z.success).toBe(false);
    expect(z.error?.issues[0]).toMatchObject({ path: ['ts_utc'], message: expect.stringMatching(/^not an RFC 3339 date-time: /) });
    expect(parseDeviceTime(text)).toBeNull();
  });

  it('[11.10(a)] the seed format gives the same device time as before (JavaScript Date.parse)', () => {
    for (const ts of ['2024-05-01T12:00:00+00:00', '2024-05-01T12:00:00.123456+00:00', '2024-05-01T12:00:00.999999+00:00', '2024-05-01T12:00:00.000001+00:00']) {
      expect(parseDeviceTime(ts)?.getTime(), ts).toBe(Date.parse(ts));
    }
  });

  it('[11.10(a)] the calendar arithmetic gives the instant Date gives, over years 0001–9999 and every offset', () => {
    // A fixed-seed generator: the same 5,000 cases on every run.
    let seed = 0x2545f491;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed % n;
    };
    const p = (n: number, w: number) => String(n).padStart(w, '0');
    for (let i = 0; i < 5_000; i++) {
      const y = 1 + next(9999);
      const mo = 1 + next(12);
      const dim = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 1 : 0);
      const d = 1 + next(dim);
      const [h, mi, s] = [next(24), next(60), next(60)];
      const micros = next(1_000_000);
      const oh = next(24);
      const om = next(60);
      const sign = next(2) ? '+' : '-';
      const text = `${p(y, 4)}-${p(mo, 2)}-${p(d, 2)}T${p(h, 2)}:${p(mi, 2)}:${p(s, 2)}.${p(micros, 6)}${sign}${p(oh, 2)}:${p(om, 2)}`;
      const local = new Date(0);
      local.setUTCFullYear(y, mo - 1, d);
      local.setUTCHours(h, mi, s, 0);
      const expected = new Date(local.getTime() - (sign === '-' ? -1 : 1) * (oh * 60 + om) * 60_000 + Math.floor(micros / 1000));
      const r = parseRfc3339(text);
      if (expected.getUTCFullYear() < 1 || expected.getUTCFullYear() > 9999) {
        expect(r.ok, text).toBe(false);
        continue;
      }
      expect(r.ok, text).toBe(true);
      if (!r.ok) continue;
      expect(r.instant.getTime(), text).toBe(expected.getTime());
      expect(r.utcMicros, text).toBe(`${expected.toISOString().slice(0, 19)}.${p(micros, 6)}Z`);
    }
  });

  it('[11.10(a)] seed 000 timestamp_utc stays strict: only YYYY-MM-DDTHH:MM:SS+00:00', () => {
    const base = ZHmacPayload.shape.timestamp_utc;
    expect(base.safeParse('2024-05-01T12:00:00+00:00').success).toBe(true);
    for (const ts of ['2024-05-01T12:00:00Z', '2024-05-01T12:00:00.123+00:00', '2024-05-01T14:00:00+02:00', '2024-05-01t12:00:00+00:00', '2024-02-30T12:00:00+00:00']) {
      expect(base.safeParse(ts).success, ts).toBe(false);
    }
  });
});
