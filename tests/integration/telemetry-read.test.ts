import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CLI } from '@/lib/audit/events';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { getDevice } from '@/lib/devices/get-device';
import { listDeviceSummaries } from '@/lib/devices/list-device-summaries';
import { registerDevice } from '@/lib/devices/register-device';
import { checkCommLoss } from '@/lib/ingest/check-comm-loss';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildHmacPayload, pyFloat } from '@/lib/ingest/simulate/build-payloads';
import type { TInbound } from '@/lib/ingest/verify-inbound';
import { deviceSeries } from '@/lib/telemetry/device-series';
import { getQuarantineEntry } from '@/lib/telemetry/get-quarantine-entry';
import { listQuarantine } from '@/lib/telemetry/list-quarantine';
import { listReadings } from '@/lib/telemetry/list-readings';
import { listTelemetryDevices } from '@/lib/telemetry/list-telemetry-devices';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

const MINUTE = 60_000;
const N = 1200;
const SPIKE_HIGH = { i: 400, value: '15.3' };
const SPIKE_LOW = { i: 800, value: '-4.2' };
/** A 10-minute silence (the device sends every minute). */
const GAP = { after: 1000, minutes: 10 };

let t: TTestDatabase;
let operator: TCurrentUser;
let qa: TCurrentUser;
let auditor: TCurrentUser;
let nobody: TCurrentUser;
const secret = randomBytes(32);
const start = new Date(Date.now() - 2 * 86_400_000);
start.setUTCSeconds(0, 0);
let end: Date;
let commLossAt: Date;
let tamperedText: string;

/** A quiet sine between 3 and 7 °C, with one spike above and one below the limits. */
function valueAt(i: number): string {
  if (i === SPIKE_HIGH.i) return SPIKE_HIGH.value;
  if (i === SPIKE_LOW.i) return SPIKE_LOW.value;
  return pyFloat(5 + 2 * Math.sin(i / 30));
}

beforeAll(async () => {
  t = await createTestDatabase('telemetry_read');
  await registerDevice(
    t.db,
    { id: 'FRIDGE-7', key: { hmacSecretHex: secret.toString('hex') }, limitMin: 2, limitMax: 8, expectedIntervalS: 60, unit: '°C', calibrationDue: '2020-01-01', firmwareVersion: '1.4.2' },
    SYSTEM_CLI,
  );
  const ingestor = new Ingestor(t.db);
  const messages: TInbound[] = [];
  for (let i = 0; i < N; i++) {
    const at = new Date(start.getTime() + (i + (i > GAP.after ? GAP.minutes : 0)) * MINUTE);
    end = at;
    messages.push({ source: 'mqtt', topic: null, raw: buildHmacPayload({ deviceId: 'FRIDGE-7', secret, value: valueAt(i), at }), receivedAt: at });
  }
  for (let i = 0; i < messages.length; i += 400) {
    const r = await ingestor.ingest(messages.slice(i, i + 400));
    expect(r.quarantined).toBe(0);
  }
  // Tampered in transit: the value no longer matches the signed schema hash.
  tamperedText = buildHmacPayload({ deviceId: 'FRIDGE-7', secret, value: '5.5', at: end }).toString().replace('5.5', '1.5');
  await ingestor.ingest([{ source: 'mqtt', topic: 'cold/fridge-7', raw: Buffer.from(tamperedText), receivedAt: new Date() }]);
  await ingestor.ingest([{ source: 'http', topic: null, raw: Buffer.concat([Buffer.from('not json \u202e at all'), Buffer.from([0x00, 0x1b, 0xff])]), receivedAt: new Date() }]);
  // The device falls silent: its communication-loss alarm opens.
  commLossAt = new Date(end.getTime() + 30 * MINUTE);
  expect(await checkCommLoss(t.db, commLossAt)).toBe(1);

  const customRole = `No telemetry ${randomBytes(3).toString('hex')}`;
  const c = await t.owner();
  await c.query('INSERT INTO roles (name, description) VALUES ($1, $2)', [customRole, 'test: a role without telemetry permissions']);
  await c.end();
  operator = await sessionUser(t.db, await makeUser(t.db, { roles: ['Operator'] }));
  qa = await sessionUser(t.db, await makeUser(t.db, { roles: ['QA Approver'] }));
  auditor = await sessionUser(t.db, await makeUser(t.db, { roles: ['Auditor'] }));
  nobody = await sessionUser(t.db, await makeUser(t.db, { roles: [customRole] }));
}, 300_000);

afterAll(async () => {
  await t?.drop();
});

const window = () => ({ deviceId: 'FRIDGE-7', from: new Date(start.getTime() - MINUTE), to: new Date(end.getTime() + MINUTE) });

describe('telemetry read services', () => {
  it('[11.10(f)] downsamples a long window to at most maxPoints buckets and keeps every extreme', async () => {
    for (const maxPoints of [10, 100, 1000]) {
      const s = await deviceSeries(t.db, operator, { ...window(), maxPoints });
      expect(s.points.length).toBeLessThanOrEqual(maxPoints);
      expect(s.count).toBe(N);
      expect(Math.max(...s.points.map((p) => p.max))).toBe(15.3);
      expect(Math.min(...s.points.map((p) => p.min))).toBe(-4.2);
      for (const p of s.points) expect(p.min <= p.mean && p.mean <= p.max && p.firstAt <= p.t && p.t <= p.lastAt).toBe(true);
      expect(s.points.map((p) => p.t)).toEqual([...s.points.map((p) => p.t)].sort((a, b) => a - b));
    }
    const coarse = await deviceSeries(t.db, operator, { ...window(), maxPoints: 100 });
    expect(coarse.points.length).toBeGreaterThan(50);
    expect(coarse.points.some((p) => p.n > 1)).toBe(true);
  });

  it('returns every reading unchanged when the window holds fewer readings than buckets', async () => {
    const from = new Date(start.getTime() + 395 * MINUTE);
    const s = await deviceSeries(t.db, operator, { deviceId: 'FRIDGE-7', from, to: new Date(from.getTime() + 10 * MINUTE) });
    expect(s.points).toHaveLength(10);
    expect(s.points.every((p) => p.n === 1 && p.min === p.max)).toBe(true);
    expect(s.points.map((p) => p.max)).toContain(15.3);
    expect(s.device).toMatchObject({ limitMin: 2, limitMax: 8, unit: '°C', expectedIntervalS: 60 });
  });

  it('[11.10(f)] gives the excursion intervals, the communication-loss alarms and the silences in the data', async () => {
    const s = await deviceSeries(t.db, operator, window());
    expect(s.excursions).toHaveLength(2);
    expect(s.excursions[0]).toMatchObject({ from: start.getTime() + SPIKE_HIGH.i * MINUTE, to: start.getTime() + (SPIKE_HIGH.i + 1) * MINUTE });
    expect(s.excursions[0].recordNumber).toMatch(/^[A-Z]+-\d+$/);
    expect(s.gaps).toEqual([{ from: start.getTime() + GAP.after * MINUTE, to: start.getTime() + (GAP.after + 1 + GAP.minutes) * MINUTE }]);
    expect(s.commLoss).toEqual([]);
    const after = await deviceSeries(t.db, operator, { deviceId: 'FRIDGE-7', from: start, to: new Date(commLossAt.getTime() + MINUTE) });
    expect(after.commLoss).toEqual([{ from: commLossAt.getTime(), to: null }]);
  });

  it('pages the readings newest first, with the value and device time as sent', async () => {
    const first = await listReadings(t.db, operator, { ...window(), pageSize: 25 });
    expect(first.total).toBe(N);
    expect(first.items).toHaveLength(25);
    expect(first.items[0].receivedAt).toBe(end.toISOString());
    const second = await listReadings(t.db, operator, { ...window(), pageSize: 25, page: 2 });
    expect(Date.parse(second.items[0].receivedAt)).toBeLessThan(Date.parse(first.items[24].receivedAt));
    const spikeWindow = { deviceId: 'FRIDGE-7', from: new Date(start.getTime() + SPIKE_HIGH.i * MINUTE), to: new Date(start.getTime() + (SPIKE_HIGH.i + 1) * MINUTE) };
    const [spike] = (await listReadings(t.db, operator, spikeWindow)).items;
    expect(spike).toMatchObject({ valueText: '15.3', unit: '°C', format: 'hmac', keyVersion: 1 });
    expect(spike.deviceTs).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    expect(spike.flags).toEqual(expect.arrayContaining(['out_of_limits', 'calibration_overdue']));
    await expect(listReadings(t.db, operator, { ...window(), from: window().to })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('lists quarantine without raw bytes: size, SHA-256 and an escaped preview; filters by status and reason', async () => {
    const all = await listQuarantine(t.db, auditor, {});
    expect(all.total).toBe(2);
    expect(all.items.every((r) => !('raw' in r) && !('head' in r))).toBe(true);
    const tampered = all.items.find((r) => r.deviceHint === 'FRIDGE-7')!;
    expect(tampered.reason).toBe('schema_hash_mismatch');
    expect(tampered.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(tampered.size).toBeGreaterThan(300);
    expect(tampered.preview).toHaveLength(96);
    expect(tamperedText.replaceAll('\\', '\\\\').startsWith(tampered.preview)).toBe(true);
    expect(tampered.previewTruncated).toBe(true);
    const junk = all.items.find((r) => r.source === 'http')!;
    expect(junk.preview).toBe('not json \\u{202E} at all\\x00\\x1B\\xFF');
    expect((await listQuarantine(t.db, auditor, { reason: 'malformed' })).items.map((r) => r.id)).toEqual([junk.id]);
    expect((await listQuarantine(t.db, auditor, { status: 'discarded' })).total).toBe(0);
    expect(all.reasons).toEqual(['malformed', 'schema_hash_mismatch']);
    await expect(listQuarantine(t.db, auditor, { status: 'gone' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });

    const entry = await getQuarantineEntry(t.db, qa, tampered.id);
    expect(entry).toMatchObject({ intact: true, size: tampered.size, sha256: tampered.sha256, status: 'held', topic: 'cold/fridge-7' });
    // Printable text as it is; only its backslashes are doubled, so an escape cannot be faked.
    expect(entry).toMatchObject({ preview: tamperedText.replaceAll('\\', '\\\\'), previewTruncated: false });
    expect(entry.audit.map((a) => a.action)).toEqual(['telemetry.quarantine']);
  });

  it('shows a device with its key versions as fingerprints only, never the key', async () => {
    const d = await getDevice(t.db, auditor, 'FRIDGE-7');
    expect(d).toMatchObject({ kind: 'hmac', calibrationDue: '2020-01-01', calibrationOverdue: true, firmwareVersion: '1.4.2' });
    expect(d.keys).toEqual([expect.objectContaining({ version: 1, kind: 'hmac', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) })]);
    expect(d.openAlarms.map((a) => a.kind)).toEqual(['comm_loss']);
    const text = JSON.stringify(d);
    expect(text).not.toContain(secret.toString('hex'));
    expect(text).not.toContain('hmacSecretEnc');
    expect(text).not.toMatch(/v1:[A-Za-z0-9+/=]+:/);
    const list = await listDeviceSummaries(t.db, auditor, { q: 'fridge' });
    expect(list.items).toEqual([expect.objectContaining({ id: 'FRIDGE-7', calibrationOverdue: true, openAlarms: ['comm_loss'] })]);
  });

  it('[11.10(g)] refuses each read without its permission', async () => {
    await expect(deviceSeries(t.db, nobody, window())).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('telemetry.read') });
    await expect(listReadings(t.db, nobody, window())).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listTelemetryDevices(t.db, nobody)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // An operator reads telemetry, but neither the quarantine nor the device administration.
    expect((await listTelemetryDevices(t.db, operator)).map((d) => d.id)).toEqual(['FRIDGE-7']);
    await expect(listQuarantine(t.db, operator, {})).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('quarantine.read') });
    await expect(getQuarantineEntry(t.db, operator, '1')).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(getDevice(t.db, operator, 'FRIDGE-7')).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('devices.read') });
    await expect(listDeviceSummaries(t.db, operator, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(deviceSeries(t.db, operator, { ...window(), deviceId: 'NOPE-1' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
