import { execFile } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as listDevicesRoute } from '@/app/api/v1/devices/route';
import { GET as getDeviceRoute } from '@/app/api/v1/devices/[id]/route';
import { apiAudience, verifyServiceToken } from '@/lib/api/verify-service-token';
import { verifyDerivedState } from '@/lib/audit/verify-state';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { getDevice } from '@/lib/devices/get-device';
import { DeviceKeyStore } from '@/lib/ingest/key-store';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { OTHER_TEST_CERT_PEM, TEST_CERT_PEM, THIRD_TEST_CERT_PEM } from '@/tests/helpers/test-cert';
import { applyChange, approve, makeAdmin, type TAdmin } from '@/tests/helpers/change-control';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
let a: TAdmin;
let b: TAdmin;
let c: TAdmin;

const decide = (who: TAdmin, id: string) => approve(t.db, who, id);
/** Requested by `a`; approved by `b` (and `c` when two must approve). */
const change = (kind: string, payload: Record<string, unknown>) => applyChange(t.db, a, [b, c], kind, payload);

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);
const uid = () => randomBytes(3).toString('hex').toUpperCase();
const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const sha256Der = (pem: string) => createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');

beforeAll(async () => {
  t = await createTestDatabase('gateway_identities');
  [a, b, c] = [await makeAdmin(t.db), await makeAdmin(t.db), await makeAdmin(t.db)];
});
afterAll(async () => {
  await t?.drop();
});

async function gateway(certFingerprint?: string) {
  const id = `GW-${uid()}`;
  await change('device.register', { id, key: { publicKeyPem: pemOf(ec().publicKey) }, sensors: [`S-${uid()}`], ...(certFingerprint ? { certFingerprint } : {}) });
  return id;
}

describe('gateway TLS client certificates (devices.cert_fingerprint)', () => {
  it('[11.10(h)] [4-eyes] a gateway registered with a PEM certificate stores the SHA-256 of its DER; hex with colons is normalized; two approvers', async () => {
    const fp = sha256Der(TEST_CERT_PEM);
    const id = `GW-${uid()}`;
    const cr = await requestChange(t.db, a.s, { kind: 'device.register', payload: { id, key: { publicKeyPem: pemOf(ec().publicKey) }, certFingerprint: TEST_CERT_PEM }, reason: 'Gateway behind nginx mTLS' });
    expect(cr.requiredApprovals).toBe(2);
    // The approver reviews the fingerprint that will be stored, not the PEM.
    expect((await getChangeRequest(t.db, b.s, cr.id)).payload).toMatchObject({ certFingerprint: fp });
    await decide(b, cr.id);
    expect((await decide(c, cr.id)).status).toBe('applied');
    expect(await getDevice(t.db, a.s, id)).toMatchObject({ certFingerprint: fp });
    const [ev] = await sql(`SELECT new_value FROM audit_events WHERE action = 'device.register' AND entity_id = $1`, [id]);
    expect(ev.new_value).toMatchObject({ certFingerprint: fp });

    const other = new X509Certificate(OTHER_TEST_CERT_PEM).fingerprint256; // AB:CD:… upper case
    const id2 = await gateway(other);
    expect((await getDevice(t.db, a.s, id2)).certFingerprint).toBe(sha256Der(OTHER_TEST_CERT_PEM));

    const keys = new DeviceKeyStore(t.db);
    await keys.load();
    expect(keys.device(id)?.certFingerprint).toBe(fp);
    expect(keys.gatewayForCertFingerprint(fp)).toBe(id);
    expect(keys.gatewayForCertFingerprint(fp.toUpperCase().match(/../g)!.join(':'))).toBe(id);
    expect(keys.gatewayForCertFingerprint('00'.repeat(32))).toBeNull();
    expect(keys.gatewayForCertFingerprint('not hex')).toBeNull();
  });

  it('[11.10(h)] a malformed certificate, a certificate on an HMAC device and a duplicate are refused when requested, with the reason', async () => {
    const key = { publicKeyPem: pemOf(ec().publicKey) };
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `GW-${uid()}`, key, certFingerprint: 'abc123' }, reason: 'bad' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/SHA-256 of the certificate as 64 hex digits/),
      fields: { certFingerprint: expect.any(String) },
    });
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `GW-${uid()}`, key, certFingerprint: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----' }, reason: 'bad' })).rejects.toMatchObject({
      message: 'The PEM certificate cannot be read',
    });
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `D-${uid()}`, key: { hmacSecretHex: 'ab'.repeat(32) }, certFingerprint: 'ab'.repeat(32) }, reason: 'hmac' })).rejects.toMatchObject({
      message: expect.stringMatching(/names a gateway \(an ECDSA key\)/),
    });
    const taken = 'cd'.repeat(32);
    const holder = await gateway(taken);
    await expect(requestChange(t.db, a.s, { kind: 'device.register', payload: { id: `GW-${uid()}`, key, certFingerprint: taken.toUpperCase() }, reason: 'duplicate' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: `The certificate ${taken.slice(0, 16)}… is already registered for device ${holder}`,
    });
    // The database holds the same rules.
    const other = await gateway();
    const o = await t.owner();
    try {
      await expect(o.query("UPDATE devices SET cert_fingerprint = 'AB' WHERE id = $1", [other])).rejects.toThrow(/check constraint/);
      await expect(o.query('UPDATE devices SET cert_fingerprint = $2 WHERE id = $1', [other, taken])).rejects.toThrow(/devices_cert_fingerprint_key/);
    } finally {
      await o.end();
    }
  });

  it('[11.10(e)] [4-eyes] changing a gateway certificate is a device.set_certificate request two others approve, audited old → new; tampering is found by verification', async () => {
    const id = await gateway();
    const fp = 'ab'.repeat(32);
    const cr = await requestChange(t.db, a.s, { kind: 'device.set_certificate', payload: { deviceId: id, certFingerprint: fp.toUpperCase() }, reason: 'Certificate renewed' });
    expect(cr.requiredApprovals).toBe(2);
    await expect(decide(a, cr.id)).rejects.toThrow('Requester cannot approve');
    const op = await makeUser(t.db, { roles: ['Operator'] });
    await expect(decide({ ...op, s: await sessionUser(t.db, op) }, cr.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await decide(b, cr.id)).status).toBe('submitted');
    expect((await getDevice(t.db, a.s, id)).certFingerprint).toBeNull();
    expect((await decide(c, cr.id)).status).toBe('applied');
    expect((await getDevice(t.db, a.s, id)).certFingerprint).toBe(fp);
    const ev = await sql(`SELECT actor_id, old_value, new_value, reason FROM audit_events WHERE action = 'device.set_certificate' AND entity_id = $1`, [id]);
    expect(ev).toEqual([{ actor_id: 'system:change-control', old_value: { certFingerprint: null }, new_value: { certFingerprint: fp }, reason: expect.stringMatching(/^approved change request CR-/) }]);

    await expect(requestChange(t.db, a.s, { kind: 'device.set_certificate', payload: { deviceId: id, certFingerprint: fp }, reason: 'same' })).rejects.toMatchObject({ code: 'CONFLICT' });
    const hmac = `D-${uid()}`;
    await change('device.register', { id: hmac, key: { hmacSecretHex: 'cd'.repeat(32) } });
    await expect(requestChange(t.db, a.s, { kind: 'device.set_certificate', payload: { deviceId: hmac, certFingerprint: fp }, reason: 'hmac' })).rejects.toMatchObject({ message: expect.stringMatching(/is not a gateway/) });
    // Removing it is the same request with no certificate.
    await change('device.set_certificate', { deviceId: id, certFingerprint: null });
    expect((await getDevice(t.db, a.s, id)).certFingerprint).toBeNull();

    // A certificate written behind the trail's back is reported by verification.
    const o = await t.owner();
    try {
      expect((await verifyDerivedState(o, 'main')).divergences.filter((d) => d.field === 'cert_fingerprint')).toEqual([]);
      await o.query('UPDATE devices SET cert_fingerprint = $2 WHERE id = $1', [id, 'ef'.repeat(32)]);
      expect((await verifyDerivedState(o, 'main')).divergences).toContainEqual(expect.objectContaining({ kind: 'device', entity: id, field: 'cert_fingerprint' }));
      await o.query('UPDATE devices SET cert_fingerprint = NULL WHERE id = $1', [id]);
    } finally {
      await o.end();
    }
  });

  it('[11.10(h)] the CLI registers a gateway with --cert-file and changes it with set-certificate (acting as a named person)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'custos-cert-'));
    writeFileSync(path.join(dir, 'pw'), a.password);
    writeFileSync(path.join(dir, 'gw.pem'), pemOf(ec().publicKey));
    writeFileSync(path.join(dir, 'cert.pem'), THIRD_TEST_CERT_PEM);
    const custos = async (args: string[]) => {
      try {
        const r = await promisify(execFile)('node_modules/.bin/tsx', ['scripts/custos.ts', ...args, '--as', a.employeeId, '--password-file', path.join(dir, 'pw'), '--json'], {
          env: { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl },
        });
        return { code: 0, out: r.stdout };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, out: err.stdout + err.stderr };
      }
    };
    const id = `GW-CLI-${uid()}`;
    // The site is commissioning: the administrator's own signature applies it (audited as such).
    const add = await custos(['devices', 'add', '--id', id, '--ecdsa-public-key-file', path.join(dir, 'gw.pem'), '--cert-file', path.join(dir, 'cert.pem')]);
    expect(add.code, add.out).toBe(0);
    expect((await getDevice(t.db, a.s, id)).certFingerprint).toBe(sha256Der(THIRD_TEST_CERT_PEM));
    const fp = '12'.repeat(32);
    const set = await custos(['devices', 'set-certificate', '--id', id, '--cert-fingerprint', fp.toUpperCase()]);
    expect(set.code, set.out).toBe(0);
    expect(JSON.parse(set.out)).toMatchObject({ id, certFingerprint: fp, applied: true });
    const bad = await custos(['devices', 'set-certificate', '--id', id, '--cert-fingerprint', 'xyz']);
    expect(bad.code).not.toBe(0);
    expect(bad.out).toMatch(/64 hex digits/);
    expect((await custos(['devices', 'set-certificate', '--id', id, '--clear'])).code).toBe(0);
    expect((await getDevice(t.db, a.s, id)).certFingerprint).toBeNull();
  });

  it('[11.10(b)] /api/v1/devices shows the certificate fingerprint', async () => {
    const id = await gateway(sha256Der(OTHER_TEST_CERT_PEM).replace(/^./, 'f'));
    const one = await getDeviceRoute(new Request(`http://localhost/api/v1/devices/${id}`, { headers: await bearer('devices.read') }), { params: Promise.resolve({ id }) });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id, certFingerprint: expect.stringMatching(/^f[0-9a-f]{63}$/) });
    const list = await listDevicesRoute(new Request(`http://localhost/api/v1/devices?q=${id}`, { headers: await bearer('devices.read') }));
    expect((await list.json()).items).toEqual([expect.objectContaining({ id, certFingerprint: expect.stringMatching(/^f/) })]);
  });
});

// ── service accounts bound to a gateway ─────────────────────────────────────────────────────

const READER = `dev-reader-${uid().toLowerCase()}`;
const readerKey = ec();

async function bearer(scope: string, account = READER, key = readerKey.privateKey): Promise<Record<string, string>> {
  if (account === READER && !(await sql('SELECT 1 FROM service_accounts WHERE id = $1', [READER])).length) {
    await change('service_account.create', { id: READER, name: 'device reader', ownerEmployeeId: a.employeeId, scopes: ['devices.read'], key: { kid: 'k1', publicKeyPem: pemOf(readerKey.publicKey) } });
  }
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({ scope, jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(account).setSubject(account).setAudience(apiAudience()).setIssuedAt(now).setExpirationTime(now + 60).sign(key);
  return { authorization: `Bearer ${token}` };
}

describe('service accounts for the HTTP gateway (scope telemetry.ingest, service_accounts.gateway_id)', () => {
  it('[11.10(g)] telemetry.ingest is no role\'s: not built in, not grantable to a role, refused by the database', async () => {
    const builtin = await sql(`SELECT r.name FROM role_permissions p JOIN roles r ON r.id = p.role_id WHERE p.permission = 'telemetry.ingest'`);
    expect(builtin).toEqual([]);
    await expect(requestChange(t.db, a.s, { kind: 'role.create', payload: { name: `Ingest ${uid()}`, permissions: ['telemetry.ingest'] }, reason: 'a role' })).rejects.toMatchObject({
      message: 'telemetry.ingest is held by service accounts only, never by a role',
    });
    const [role] = await sql(`SELECT id FROM roles WHERE name = 'Operator'`);
    await expect(sql(`INSERT INTO role_permissions (role_id, permission) VALUES ($1, 'telemetry.ingest')`, [role.id])).rejects.toThrow(/role_permissions_not_service_only/);
  });

  it('[11.10(g)] [11.10(h)] an account holding telemetry.ingest must name one ECDSA gateway, and only such an account may; refused with the reason', async () => {
    const key = { kid: 'k1', publicKeyPem: pemOf(ec().publicKey) };
    const base = { name: 'gateway sender', ownerEmployeeId: a.employeeId, key };
    await expect(requestChange(t.db, a.s, { kind: 'service_account.create', payload: { ...base, id: `gw-${uid().toLowerCase()}`, scopes: ['telemetry.ingest'] }, reason: 'no gateway' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'A service account holding telemetry.ingest must be bound to the one gateway it sends for (gatewayId)',
    });
    const gw = await gateway();
    await expect(requestChange(t.db, a.s, { kind: 'service_account.create', payload: { ...base, id: `gw-${uid().toLowerCase()}`, scopes: ['records.read'], gatewayId: gw }, reason: 'not ingest' })).rejects.toMatchObject({
      message: 'Only a service account holding telemetry.ingest is bound to a gateway',
    });
    const hmac = `D-${uid()}`;
    await change('device.register', { id: hmac, key: { hmacSecretHex: 'ef'.repeat(32) } });
    await expect(requestChange(t.db, a.s, { kind: 'service_account.create', payload: { ...base, id: `gw-${uid().toLowerCase()}`, scopes: ['telemetry.ingest'], gatewayId: hmac }, reason: 'hmac' })).rejects.toMatchObject({
      message: `Device ${hmac} is not a gateway with an ECDSA key (seed 001)`,
    });
    await expect(requestChange(t.db, a.s, { kind: 'service_account.create', payload: { ...base, id: `gw-${uid().toLowerCase()}`, scopes: ['telemetry.ingest'], gatewayId: 'GW-NOPE' }, reason: 'unknown' })).rejects.toMatchObject({
      message: 'Unknown gateway GW-NOPE',
    });
    // The database holds the binding rule too.
    const [owner] = await sql('SELECT id FROM users WHERE employee_id = $1', [a.employeeId]);
    await expect(sql(`INSERT INTO service_accounts (id, name, owner_id, scopes, max_token_lifetime_s) VALUES ('raw-ingest', 'x', $1, '{telemetry.ingest}', 300)`, [owner.id])).rejects.toThrow(/service_accounts_gateway_binding/);
  });

  it('[11.10(d)] [11.10(e)] a bound account\'s token yields principal.service.gatewayId; rebinding and unbinding are audited update_scopes requests', async () => {
    const gw = await gateway();
    const id = `gw-${uid().toLowerCase()}`;
    const k = ec();
    const cr = await change('service_account.create', { id, name: 'Line 1 gateway', ownerEmployeeId: a.employeeId, scopes: ['telemetry.ingest'], gatewayId: gw, key: { kid: 'k1', publicKeyPem: pemOf(k.publicKey) } });
    expect(cr.requiredApprovals).toBe(1);
    const [row] = await sql('SELECT gateway_id FROM service_accounts WHERE id = $1', [id]);
    expect(row.gateway_id).toBe(gw);
    const p = await verifyServiceToken(t.db, (await bearer('telemetry.ingest', id, k.privateKey)).authorization);
    expect(p.service).toMatchObject({ accountId: id, gatewayId: gw, scopes: ['telemetry.ingest'] });
    expect(p.permissions.has('telemetry.ingest')).toBe(true);

    const gw2 = await gateway();
    await change('service_account.update_scopes', { accountId: id, scopes: ['telemetry.ingest'], gatewayId: gw2 });
    expect((await verifyServiceToken(t.db, (await bearer('telemetry.ingest', id, k.privateKey)).authorization)).service.gatewayId).toBe(gw2);
    // Dropping the scope without unbinding is refused; with gatewayId null it is applied.
    await expect(requestChange(t.db, a.s, { kind: 'service_account.update_scopes', payload: { accountId: id, scopes: ['telemetry.read'] }, reason: 'keeps gateway' })).rejects.toMatchObject({
      message: 'Only a service account holding telemetry.ingest is bound to a gateway',
    });
    await change('service_account.update_scopes', { accountId: id, scopes: ['telemetry.read'], gatewayId: null });
    expect((await verifyServiceToken(t.db, (await bearer('telemetry.read', id, k.privateKey)).authorization)).service.gatewayId).toBeNull();
    const ev = await sql(`SELECT action, new_value FROM audit_events WHERE entity_type = 'ServiceAccount' AND entity_id = $1 ORDER BY seq`, [id]);
    expect(ev).toEqual([
      { action: 'service_account.create', new_value: expect.objectContaining({ gatewayId: gw, scopes: ['telemetry.ingest'] }) },
      { action: 'service_account.update_scopes', new_value: { accountId: id, scopes: ['telemetry.ingest'], gatewayId: gw2 } },
      { action: 'service_account.update_scopes', new_value: { accountId: id, scopes: ['telemetry.read'], gatewayId: null } },
    ]);
  });
});

describe('allowed source networks read the address the server saw', () => {
  it('[11.10(d)] [Annex 11 §12] a forged first X-Forwarded-For hop cannot satisfy an account\'s allowed networks; the hop the server appended decides', async () => {
    const id = `net-${uid().toLowerCase()}`;
    const k = ec();
    await change('service_account.create', { id, name: 'in-plant reader', ownerEmployeeId: a.employeeId, scopes: ['devices.read'], allowedNetworks: ['10.0.0.0/8'], key: { kid: 'k1', publicKeyPem: pemOf(k.publicKey) } });
    const call = async (xff: string | null, extra: Record<string, string> = {}) => {
      const headers: Record<string, string> = { ...(await bearer('devices.read', id, k.privateKey)), ...extra };
      if (xff !== null) headers['x-forwarded-for'] = xff;
      return listDevicesRoute(new Request('http://localhost/api/v1/devices', { headers }));
    };
    // The client wrote 10.0.0.5; the Node server appended the real peer (lib/http/node-server-guard.ts).
    const forged = await call('10.0.0.5, 203.0.113.9');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/not accepted from this address/);
    expect((await call('203.0.113.9', { 'x-real-ip': '10.0.0.5' })).status).toBe(401);
    expect((await call(null, { 'x-real-ip': '10.0.0.5' })).status).toBe(401);
    expect((await call('203.0.113.9, 10.0.0.5')).status).toBe(200);
    expect((await call('10.1.2.3')).status).toBe(200);
  });
});
