import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDevice } from '@/lib/devices/get-device';
import { keyFingerprint } from '@/lib/devices/key-request';
import { rotateDeviceKey } from '@/lib/devices/rotate-device-key';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildGatewayBody, buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('cr_devices');
});
afterAll(async () => {
  await t?.drop();
});

async function admin() {
  const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
  return { ...u, s: await sessionUser(t.db, u) };
}

type TAdmin = Awaited<ReturnType<typeof admin>>;

async function decide(a: TAdmin, id: string, decision: 'approve' | 'reject' = 'approve') {
  const cr = await getChangeRequest(t.db, a.s, id);
  return decideChangeRequest(t.db, a.s, { id, decision, payloadHash: cr.payloadHash, employeeId: a.employeeId, password: a.password, reason: decision === 'reject' ? 'no' : '' });
}

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

const uid = () => randomBytes(3).toString('hex').toUpperCase();

describe('four-eyes device registration and key rotation', () => {
  it('[4-eyes] registering an HMAC device needs two approvers; the secret is sealed in the request and never stored or audited in clear', async () => {
    const [a, b, c] = [await admin(), await admin(), await admin()];
    const id = `FRIDGE-${uid()}`;
    const secret = randomBytes(32);
    const hex = secret.toString('hex');
    const cr = await requestChange(t.db, a.s, {
      kind: 'device.register',
      payload: { id, key: { hmacSecretHex: hex }, limitMin: 2, limitMax: 8, unit: '°C', expectedIntervalS: 60, calibrationDue: '2030-01-01', sensors: [], allowedTopics: ['cold/#'] },
      reason: 'New fridge in warehouse B',
    });
    expect(cr.requiredApprovals).toBe(2);

    // Nowhere in clear: not in the payload, its canonical text, the audit chain or any decision.
    const [row] = await sql('SELECT payload::text AS payload, payload_canonical, target_label FROM change_requests WHERE id = $1', [cr.id]);
    expect(row.target_label).toBe(`new device ${id}`);
    for (const text of [row.payload, row.payload_canonical]) {
      expect(text).not.toContain(hex);
      expect(text).not.toContain(hex.toUpperCase());
    }
    const view = await getChangeRequest(t.db, b.s, cr.id);
    const key = view.payload.key as { kind: string; sealed: string; fingerprint: string };
    expect(key).toEqual({ kind: 'hmac', sealed: expect.stringMatching(/^v1:/), fingerprint: keyFingerprint(secret) });
    expect(key.fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);

    await expect(decide(a, cr.id)).rejects.toThrow('Requester cannot approve');
    expect((await decide(b, cr.id)).status).toBe('submitted');
    await expect(getDevice(t.db, a.s, id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await decide(c, cr.id)).status).toBe('applied');

    const device = await getDevice(t.db, a.s, id);
    expect(device).toMatchObject({ kind: 'hmac', limitMin: 2, limitMax: 8, unit: '°C', allowedTopics: ['cold/#'], calibrationDue: '2030-01-01' });
    expect(device.keys).toEqual([expect.objectContaining({ version: 1, fingerprint: keyFingerprint(secret) })]);
    const audit = await sql('SELECT action, actor_id, reason, canonical FROM audit_events WHERE entity_id IN ($1, $2) ORDER BY seq', [id, cr.id]);
    expect(audit.map((e) => e.action)).toEqual(['change_request.submit', 'change_request.refused', 'change_request.approve', 'change_request.approve', 'device.register', 'change_request.apply']);
    expect(audit.find((e) => e.action === 'device.register')).toMatchObject({ actor_id: 'system:change-control', reason: expect.stringMatching(/^approved change request CR-\d{6}$/) });
    expect(audit.every((e) => !e.canonical.includes(hex))).toBe(true);
    const [{ n }] = await sql("SELECT count(*)::int AS n FROM audit_events WHERE canonical LIKE '%' || $1 || '%'", [hex]);
    expect(n).toBe(0);

    // The applied key is the approved one: a reading signed with it is accepted.
    const r = await new Ingestor(t.db).ingest([{ source: 'mqtt', topic: 'cold/b', raw: buildHmacPayload({ deviceId: id, secret, value: '4.5' }), receivedAt: new Date() }]);
    expect(r.verdicts).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('[4-eyes] an ECDSA gateway keeps its public key in clear; a bad key, a taken ID or bad limits are refused when requested', async () => {
    const [a, b, c] = [await admin(), await admin(), await admin()];
    const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = gw.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const id = `GW-${uid()}`;
    const sensor = `TS-${uid()}`;
    const cr = await requestChange(t.db, a.s, { kind: 'device.register', payload: { id, key: { publicKeyPem: pem }, sensors: [sensor] }, reason: 'Gateway for the cold room' });
    const view = await getChangeRequest(t.db, a.s, cr.id);
    expect(view.payload.key).toEqual({ kind: 'ecdsa', publicKeyPem: pem, fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
    await decide(b, cr.id);
    expect((await decide(c, cr.id)).status).toBe('applied');
    const body = buildGatewayBody({ privateKey: gw.privateKey, seq: 1, sensorId: sensor, value: '3.5' });
    expect((await new Ingestor(t.db).ingest([{ source: 'http', topic: null, raw: body, receivedAt: new Date() }])).verdicts[0].ok).toBe(true);

    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `GW-${uid()}`, key: { publicKeyPem: rsa } }, reason: 'x'.repeat(5) })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'The public key must be ECDSA P-256',
      fields: { key: 'The public key must be ECDSA P-256' },
    });
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id, key: { publicKeyPem: pem } }, reason: 'again' })).rejects.toMatchObject({ code: 'CONFLICT', fields: { id: 'taken' } });
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `X-${uid()}`, key: { publicKeyPem: pem }, sensors: [sensor] }, reason: 'again' })).rejects.toMatchObject({
      code: 'CONFLICT',
      fields: { sensors: 'taken' },
    });
    await expect(
      requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `X-${uid()}`, key: { hmacSecretHex: 'ab'.repeat(32) }, limitMin: 9, limitMax: 2 }, reason: 'limits' }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', fields: { limitMin: 'The lower limit must be below the upper limit' } });
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `X-${uid()}`, key: { hmacSecretHex: 'abc' } }, reason: 'short' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      fields: { key: expect.stringContaining('HMAC secret') },
    });
  });

  it('[4-eyes] a registration whose device ID was taken meanwhile fails when applied, and nothing is written', async () => {
    const [a, b, c] = [await admin(), await admin(), await admin()];
    const id = `RACE-${uid()}`;
    const cr = await requestChange(t.db, a.s, { kind: 'device.register', payload: { id, key: { hmacSecretHex: randomBytes(32).toString('hex') }, description: 'approved copy' }, reason: 'Race' });
    const { registerDevice } = await import('@/lib/devices/register-device');
    await registerDevice(t.db, { id, key: { hmacSecretHex: randomBytes(32).toString('hex') }, description: 'registered meanwhile' }, SYSTEM_CLI);
    await decide(b, cr.id);
    expect(await decide(c, cr.id)).toMatchObject({ status: 'failed', failureReason: `Device ${id} is already registered` });
    expect((await getDevice(t.db, a.s, id)).description).toBe('registered meanwhile');
  });

  it('[4-eyes] rotating a key adds a version after two approvals; old readings still verify; a rotation made meanwhile fails the request', async () => {
    const [a, b, c] = [await admin(), await admin(), await admin()];
    const id = `ROT-${uid()}`;
    const v1 = randomBytes(32);
    const v2 = randomBytes(32);
    const { registerDevice } = await import('@/lib/devices/register-device');
    await registerDevice(t.db, { id, key: { hmacSecretHex: v1.toString('hex') } }, SYSTEM_CLI);

    await expect(requestChange(t.db, a.s, { kind: 'device.rotate_key', payload: { deviceId: id, key: { publicKeyPem: 'x' } }, reason: 'wrong kind' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(requestChange(t.db, a.s, { kind: 'device.rotate_key', payload: { deviceId: 'NOPE-0', key: { hmacSecretHex: v2.toString('hex') } }, reason: 'unknown' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Unknown device NOPE-0',
    });
    const gw = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(requestChange(t.db, a.s, { kind: 'device.rotate_key', payload: { deviceId: id, key: { publicKeyPem: gw } }, reason: 'wrong kind' })).rejects.toMatchObject({
      message: `Device ${id} uses HMAC keys`,
    });

    const cr = await requestChange(t.db, a.s, { kind: 'device.rotate_key', payload: { deviceId: id, key: { hmacSecretHex: v2.toString('hex') } }, reason: 'Yearly rotation' });
    expect(cr.requiredApprovals).toBe(2);
    const view = await getChangeRequest(t.db, b.s, cr.id);
    expect(view).toMatchObject({ targetLabel: `device ${id}`, before: { id, kind: 'hmac', keyVersions: [1] }, kindLabel: 'Rotate device key' });
    expect(JSON.stringify(view)).not.toContain(v2.toString('hex'));
    await decide(b, cr.id);
    expect((await decide(c, cr.id)).status).toBe('applied');
    expect((await getDevice(t.db, a.s, id)).keys.map((k) => [k.version, k.fingerprint])).toEqual([
      [1, keyFingerprint(v1)],
      [2, keyFingerprint(v2)],
    ]);
    const r = await new Ingestor(t.db).ingest([
      { source: 'mqtt', topic: null, raw: buildHmacPayload({ deviceId: id, secret: v1, value: '1.5' }), receivedAt: new Date() },
      { source: 'mqtt', topic: null, raw: buildHmacPayload({ deviceId: id, secret: v2, value: '1.6', keyVersion: 2 }), receivedAt: new Date() },
    ]);
    expect(r.verdicts.map((v) => v.ok)).toEqual([true, true]);

    // Submitted against versions [1, 2]; a CLI rotation to 3 happens before the approvals.
    const stale = await requestChange(t.db, a.s, { kind: 'device.rotate_key', payload: { deviceId: id, key: { hmacSecretHex: randomBytes(32).toString('hex') } }, reason: 'Another rotation' });
    await rotateDeviceKey(t.db, id, { hmacSecretHex: randomBytes(32).toString('hex') }, SYSTEM_CLI);
    await decide(b, stale.id);
    expect(await decide(c, stale.id)).toMatchObject({ status: 'failed', failureReason: expect.stringContaining('changed since the request was submitted') });
    expect((await getDevice(t.db, a.s, id)).keys).toHaveLength(3);
  });

  it('[11.10(g)] requesting and approving device changes needs devices.manage', async () => {
    const a = await admin();
    const op = await sessionUser(t.db, await makeUser(t.db, { roles: ['Operator'] }));
    await expect(requestChange(t.db, op, { kind: 'device.register', payload: { id: `OP-${uid()}`, key: { hmacSecretHex: 'ab'.repeat(32) } }, reason: 'not mine' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: 'You do not have the permission devices.manage',
    });
    // QA Approver may approve change requests, but not device ones (no devices.manage).
    const qaUser = await makeUser(t.db, { roles: ['QA Approver'] });
    const qa = { ...qaUser, s: await sessionUser(t.db, qaUser) };
    const cr = await requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `QA-${uid()}`, key: { hmacSecretHex: 'cd'.repeat(32) } }, reason: 'Needs admins' });
    await expect(decide(qa, cr.id)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You do not hold the permissions needed to decide on this kind of request' });
  });

  it('a sealed key copied into a request for another device does not open', async () => {
    const { openKeyRequest, sealKeyForRequest } = await import('@/lib/devices/key-request');
    const sealed = sealKeyForRequest('DEV-A', { hmacSecretHex: 'ef'.repeat(32) });
    expect(openKeyRequest('DEV-A', sealed)).toEqual({ hmacSecretHex: 'ef'.repeat(32) });
    expect(() => openKeyRequest('DEV-B', sealed)).toThrow('cannot be opened');
  });
});
