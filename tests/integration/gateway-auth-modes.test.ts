import { generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { POST as gatewaySync } from '@/app/api/ingest/gateway/route';
import { apiAudience } from '@/lib/api/verify-service-token';
import { certificateFingerprint } from '@/lib/ingest/gateway-transport';
import { buildGatewayBody } from '@/lib/ingest/simulate/build-payloads';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { OTHER_TEST_CERT_PEM, TEST_CERT_PEM } from '@/tests/helpers/test-cert';
import { applyChange, makeAdmin, type TAdmin } from '@/tests/helpers/change-control';

// POST /api/ingest/gateway under CUSTOS_GATEWAY_AUTH=token and =mtls-header: who sends is
// proven before the body is read, and a refused sender stores nothing. Real PostgreSQL.

let t: TTestDatabase;
let a: TAdmin;
let b: TAdmin;
let c: TAdmin;
const gwA = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const gwB = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const svcKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const readerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();
const fpOf = (pem: string) => new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();

/** Requested by `a`; approved by `b` (and `c` when two must approve). */
const change = (kind: string, payload: Record<string, unknown>) => applyChange(t.db, a, [b, c], kind, payload);

beforeAll(async () => {
  t = await createTestDatabase('gateway_auth_modes');
  [a, b, c] = [await makeAdmin(t.db), await makeAdmin(t.db), await makeAdmin(t.db)];
  await change('device.register', { id: 'GW-A', key: { publicKeyPem: pemOf(gwA.publicKey) }, sensors: ['SA-1'], certFingerprint: TEST_CERT_PEM });
  await change('device.register', { id: 'GW-B', key: { publicKeyPem: pemOf(gwB.publicKey) }, sensors: ['SB-1'], certFingerprint: OTHER_TEST_CERT_PEM });
  await change('service_account.create', { id: 'gw-a-sender', name: 'GW-A sender', ownerEmployeeId: a.employeeId, scopes: ['telemetry.ingest'], gatewayId: 'GW-A', key: { kid: 'k1', publicKeyPem: pemOf(svcKey.publicKey) } });
  await change('service_account.create', { id: 'reader', name: 'reader', ownerEmployeeId: a.employeeId, scopes: ['telemetry.read'], key: { kid: 'k1', publicKeyPem: pemOf(readerKey.publicKey) } });
}, 120_000);
afterEach(() => {
  delete process.env.CUSTOS_GATEWAY_AUTH;
  delete process.env.CUSTOS_TRUSTED_PROXIES;
});
afterAll(async () => {
  await t?.drop();
});

let seq = 0;
const body = (key: KeyObject, sensor: string) => buildGatewayBody({ privateKey: key, seq: ++seq, sensorId: sensor, value: `${seq}.5` });
const post = (b: Buffer, headers: Record<string, string>, from = '10.9.0.1') =>
  gatewaySync(new Request('http://localhost/api/ingest/gateway', { method: 'POST', body: new Uint8Array(b), headers: { 'content-type': 'application/json', 'x-forwarded-for': from, ...headers } }));
const counts = async () => {
  const [r] = await t.sql('SELECT (SELECT count(*)::int FROM telemetry) AS telemetry, (SELECT count(*)::int FROM quarantine) AS quarantine');
  return r as { telemetry: number; quarantine: number };
};
async function token(opts: { account?: string; key?: KeyObject; scope?: string; alg?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const account = opts.account ?? 'gw-a-sender';
  const jwt = await new SignJWT({ scope: opts.scope ?? 'telemetry.ingest', jti: randomUUID() })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(account)
    .setSubject(account)
    .setAudience(apiAudience())
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(opts.key ?? svcKey.privateKey);
  return `Bearer ${jwt}`;
}

describe('CUSTOS_GATEWAY_AUTH=token', () => {
  it('[11.10(d)] [11.300(d)] a token bound to the gateway that signed the reading: stored; without one, refused 401 before anything is stored', async () => {
    process.env.CUSTOS_GATEWAY_AUTH = 'token';
    const ok = await post(body(gwA.privateKey, 'SA-1'), { authorization: await token() });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'stored' });
    const before = await counts();
    const none = await post(body(gwA.privateKey, 'SA-1'), {});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="custos-gateway", error="invalid_request"/);
    // A valid body with a forged, expired-looking or foreign token: refused, nothing stored.
    const forged = await post(body(gwA.privateKey, 'SA-1'), { authorization: await token({ key: gwB.privateKey }) });
    expect(forged.status).toBe(401);
    expect(await forged.json()).toMatchObject({ status: 'refused', reason: 'token_signature' });
    const replayed = await token();
    expect((await post(body(gwA.privateKey, 'SA-1'), { authorization: replayed })).status).toBe(200);
    const again = await post(body(gwA.privateKey, 'SA-1'), { authorization: replayed });
    expect(again.status).toBe(401);
    expect(await again.json()).toMatchObject({ reason: 'token_replay' });
    expect(await counts()).toEqual({ telemetry: before.telemetry + 1, quarantine: before.quarantine });
  });

  it('[11.10(d)] a token without telemetry.ingest is 403 insufficient_scope; a body signed by another gateway than the token\'s is 403 and quarantined as gateway_mismatch', async () => {
    process.env.CUSTOS_GATEWAY_AUTH = 'token';
    const before = await counts();
    const reader = await post(body(gwA.privateKey, 'SA-1'), { authorization: await token({ account: 'reader', key: readerKey.privateKey, scope: 'telemetry.read' }) });
    expect(reader.status).toBe(403);
    expect(reader.headers.get('www-authenticate')).toContain('error="insufficient_scope", scope="telemetry.ingest"');
    expect(await counts()).toEqual(before);
    // GW-A's token carrying GW-B's reading: the sender is known, so the row is kept and audited.
    const mismatch = await post(body(gwB.privateKey, 'SB-1'), { authorization: await token() });
    expect(mismatch.status).toBe(403);
    expect(await mismatch.json()).toMatchObject({ status: 'quarantined', reason: 'gateway_mismatch' });
    const [q] = await t.sql("SELECT id::text, device_hint, junk_window FROM quarantine WHERE reason = 'gateway_mismatch'");
    expect(q).toMatchObject({ device_hint: 'GW-B', junk_window: null });
    const ev = await t.sql("SELECT reason FROM audit_events WHERE action = 'telemetry.quarantine' AND entity_id = $1", [q.id]);
    expect(ev[0].reason).toMatch(/signed by gateway GW-B, sent with the credentials of gateway GW-A \(token\)/);
    expect((await counts()).telemetry).toBe(before.telemetry);
  });
});

describe('CUSTOS_GATEWAY_AUTH=mtls-header', () => {
  const escaped = (pem: string) => encodeURIComponent(pem);

  it('[11.10(d)] [11.300(d)] the registered certificate from the TLS terminator: stored; from elsewhere, unknown or missing: 401, nothing stored', async () => {
    process.env.CUSTOS_GATEWAY_AUTH = 'mtls-header';
    process.env.CUSTOS_TRUSTED_PROXIES = '10.0.0.5';
    // nginx: $ssl_client_escaped_cert, then the Node server appends the terminator's address.
    const ok = await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': escaped(TEST_CERT_PEM) }, '203.0.113.7, 10.0.0.5');
    expect(ok.status).toBe(200);
    // The SHA-256 fingerprint form works as well (colons and case ignored).
    const fp = fpOf(TEST_CERT_PEM).toUpperCase().match(/../g)!.join(':');
    expect((await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': fp }, '10.0.0.5')).status).toBe(200);
    const before = await counts();
    // The same header from a client that reached the server directly is not believed.
    const direct = await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': escaped(TEST_CERT_PEM) }, '203.0.113.7');
    expect(direct.status).toBe(401);
    expect(await direct.json()).toMatchObject({ reason: 'cert_untrusted_hop' });
    expect((await post(body(gwA.privateKey, 'SA-1'), {}, '10.0.0.5')).status).toBe(401);
    const garbage = await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': 'not a certificate' }, '10.0.0.5');
    expect(await garbage.json()).toMatchObject({ reason: 'cert_malformed' });
    const unknown = await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': 'ab'.repeat(32) }, '10.0.0.5');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toMatchObject({ reason: 'cert_unknown' });
    expect(await counts()).toEqual(before);
  });

  it('[11.10(d)] GW-B\'s certificate with GW-A\'s reading is 403 gateway_mismatch; CUSTOS_GATEWAY_AUTH=signature ignores the header', async () => {
    process.env.CUSTOS_GATEWAY_AUTH = 'mtls-header';
    process.env.CUSTOS_TRUSTED_PROXIES = '10.0.0.5';
    const r = await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': escaped(OTHER_TEST_CERT_PEM) }, '10.0.0.5');
    expect(r.status).toBe(403);
    expect(await r.json()).toMatchObject({ reason: 'gateway_mismatch' });
    delete process.env.CUSTOS_GATEWAY_AUTH;
    expect((await post(body(gwA.privateKey, 'SA-1'), { 'x-ssl-client-cert': escaped(OTHER_TEST_CERT_PEM) }, '10.0.0.5')).status).toBe(200);
  });

  it('[11.10(d)] a certificate header value is read as PEM (URL-escaped or not) or as a SHA-256 fingerprint, nothing else', () => {
    const fp = fpOf(TEST_CERT_PEM);
    expect(certificateFingerprint(TEST_CERT_PEM)).toBe(fp);
    expect(certificateFingerprint(encodeURIComponent(TEST_CERT_PEM))).toBe(fp);
    expect(certificateFingerprint(fp.toUpperCase())).toBe(fp);
    expect(certificateFingerprint('sha1:' + 'ab'.repeat(20))).toBeNull();
    expect(certificateFingerprint('ab'.repeat(20))).toBeNull();
    expect(certificateFingerprint('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')).toBeNull();
    expect(certificateFingerprint('%E0%A4%A')).toBeNull();
  });
});
