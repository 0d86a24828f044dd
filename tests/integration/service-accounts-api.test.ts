import { createHash, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as listRecordsRoute, POST as createRecordRoute } from '@/app/api/v1/records/route';
import { GET as getRecordRoute } from '@/app/api/v1/records/[id]/route';
import { POST as newVersionRoute } from '@/app/api/v1/records/[id]/versions/route';
import { GET as listDevicesRoute } from '@/app/api/v1/devices/route';
import { GET as auditEventsRoute } from '@/app/api/v1/audit-events/route';
import { GET as auditExportRoute } from '@/app/api/v1/audit-events/export/route';
import { POST as auditVerifyRoute } from '@/app/api/v1/audit-events/verify/route';
import { GET as telemetryRoute } from '@/app/api/v1/telemetry/route';
import { GET as proofRoute } from '@/app/api/v1/telemetry/[id]/proof/route';
import { GET as quarantineRoute } from '@/app/api/v1/quarantine/route';
import { GET as quarantineEntryRoute } from '@/app/api/v1/quarantine/[id]/route';
import { GET as getDeviceRoute } from '@/app/api/v1/devices/[id]/route';
import { apiAudience, verifyServiceToken } from '@/lib/api/verify-service-token';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { getPgPool } from '@/lib/db/pg-pool';
import { registerDevice } from '@/lib/devices/register-device';
import { signRecord } from '@/lib/esign/sign-record';
import { Ingestor } from '@/lib/ingest/ingestor';
import { buildHmacPayload } from '@/lib/ingest/simulate/build-payloads';
import { apiTokenRefusals } from '@/lib/metrics/api-metrics';
import { listServiceAccounts } from '@/lib/service-accounts/list-service-accounts';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
type TAdmin = Awaited<ReturnType<typeof makeUser>> & { s: Awaited<ReturnType<typeof sessionUser>> };
let a: TAdmin;
let b: TAdmin;

async function admin(): Promise<TAdmin> {
  const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
  return { ...u, s: await sessionUser(t.db, u) };
}

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

const ec = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pemOf = (k: KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();

async function approve(id: string) {
  const cr = await getChangeRequest(t.db, b.s, id);
  return decideChangeRequest(t.db, b.s, { id, decision: 'approve', payloadHash: cr.payloadHash, employeeId: b.employeeId, password: b.password, reason: '' });
}

/** Requests as `a`, approved by `b` (one approver). */
async function change(kind: string, payload: Record<string, unknown>) {
  const cr = await requestChange(t.db, a.s, { kind, payload, reason: `integration ${kind}` });
  expect(cr.requiredApprovals).toBe(1);
  const d = await approve(cr.id);
  expect(d.status).toBe('applied');
  return cr;
}

const ACCOUNT = `ebr-${randomBytes(3).toString('hex')}`;
let k1: ReturnType<typeof ec>;

const now = () => Math.floor(Date.now() / 1000);

function claims(over: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = { iss: ACCOUNT, sub: ACCOUNT, aud: apiAudience(), iat: now(), exp: now() + 120, jti: randomUUID(), scope: 'records.read records.create' };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

async function es256(c: Record<string, unknown>, opts: { kid?: string | null; key?: KeyObject } = {}) {
  const header: Record<string, unknown> = { alg: 'ES256', typ: 'JWT' };
  if (opts.kid !== null) header.kid = opts.kid ?? 'k1';
  return new SignJWT(c).setProtectedHeader(header as { alg: string }).sign(opts.key ?? k1.privateKey);
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

const DEVIATION = { kind: 'deviation', content: { title: 'Door left open', description: 'Cold room door open for 10 min', severity: 'minor', detectedOn: '2026-12-01', area: 'Cold room 2' } };

function post(token: string | null, body: unknown = DEVIATION) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return createRecordRoute(new Request('http://localhost/api/v1/records', { method: 'POST', headers, body: JSON.stringify(body) }));
}

async function counts() {
  const [r] = await sql(`SELECT (SELECT count(*) FROM records)::int AS records, (SELECT count(*) FROM audit_events)::int AS audit, (SELECT count(*) FROM service_token_jti)::int AS jti`);
  return r as { records: number; audit: number; jti: number };
}

async function refusalsCounted(): Promise<number> {
  return (await apiTokenRefusals().get()).values.reduce((n, v) => n + v.value, 0);
}

beforeAll(async () => {
  t = await createTestDatabase('service_api');
  a = await admin();
  b = await admin();
  k1 = ec();
});
afterAll(async () => {
  await getPgPool().end();
  await t?.drop();
});

describe('service accounts by change request', () => {
  it('[11.10(g)] [4-eyes] creating a service account is a change request one other person approves; nothing exists before', async () => {
    const cr = await requestChange(t.db, a.s, {
      kind: 'service_account.create',
      payload: { id: ACCOUNT, name: 'EBR line 1', ownerEmployeeId: a.employeeId, scopes: ['records.read', 'records.create', 'records.edit'], maxTokenLifetimeS: 300, key: { kid: 'k1', publicKeyPem: pemOf(k1.publicKey) } },
      reason: 'EBR integration',
    });
    expect(cr.requiredApprovals).toBe(1);
    expect(await sql('SELECT id FROM service_accounts WHERE id = $1', [ACCOUNT])).toEqual([]);
    await expect(decideChangeRequest(t.db, a.s, { id: cr.id, decision: 'approve', payloadHash: (await getChangeRequest(t.db, a.s, cr.id)).payloadHash, employeeId: a.employeeId, password: a.password, reason: '' })).rejects.toThrow(/Requester cannot approve/);
    expect((await approve(cr.id)).status).toBe('applied');
    const [acct] = await listServiceAccounts(t.db, a.s);
    expect(acct).toMatchObject({ id: ACCOUNT, status: 'active', scopes: ['records.create', 'records.edit', 'records.read'], maxTokenLifetimeS: 300, owner: { employeeId: a.employeeId } });
    expect(acct.keys).toEqual([expect.objectContaining({ kid: 'k1', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/), lastUsedAt: null, retiredAt: null })]);
    const audit = await sql(`SELECT action, actor_id FROM audit_events WHERE entity_type = 'ServiceAccount' AND entity_id = $1`, [ACCOUNT]);
    expect(audit).toEqual([{ action: 'service_account.create', actor_id: 'system:change-control' }]);
  });

  it('[11.200(a)] [11.10(g)] no signing meaning and no administrative permission can be a service scope — not by request, not in the database', async () => {
    for (const scope of ['records.sign_approval', 'records.sign_authorship', 'users.create', 'roles.manage', 'change_requests.approve', 'site.commission', 'records.retire']) {
      await expect(requestChange(t.db, a.s, { kind: 'service_account.update_scopes', payload: { accountId: ACCOUNT, scopes: ['records.read', scope] }, reason: 'try' })).rejects.toMatchObject({
        code: 'BAD_REQUEST',
      });
    }
    await expect(sql(`UPDATE service_accounts SET scopes = scopes || '{records.sign_review}' WHERE id = $1`, [ACCOUNT])).rejects.toThrow(/service_accounts_no_signing/);
  });
});

describe('token verification', () => {
  it('[11.10(d)] [11.300(d)] every bad token is refused with 401, a precise WWW-Authenticate error, counted, and nothing written', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = ec();
    const pubPem = pemOf(k1.publicKey);
    const header = (h: Record<string, unknown>, c: Record<string, unknown>, sig = '') => `${b64(h)}.${b64(c)}.${sig}`;
    const cases: Array<[string, () => Promise<string>, RegExp]> = [
      ['alg none', async () => header({ alg: 'none', kid: 'k1' }, claims()), /only ES256/i],
      ['alg none, lower case', async () => header({ alg: 'NONE', kid: 'k1' }, claims()), /only ES256/i],
      ['HS256 with the public key as secret', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(new TextEncoder().encode(pubPem)), /only ES256/i],
      ['RS256', async () => new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(rsa.privateKey), /only ES256/i],
      ['ES256 signed by another key', async () => es256(claims(), { key: other.privateKey }), /signature does not verify/],
      ['no kid', async () => es256(claims(), { kid: null }), /names no key/],
      ['unknown kid', async () => es256(claims(), { kid: 'k9' }), /Unknown or retired key/],
      ['missing exp', async () => es256(claims({ exp: undefined })), /no exp claim/],
      ['missing iat', async () => es256(claims({ iat: undefined })), /no iat claim/],
      ['missing sub', async () => es256(claims({ sub: undefined })), /no sub claim/],
      ['missing scope', async () => es256(claims({ scope: undefined })), /no scope claim/],
      ['missing jti', async () => es256(claims({ jti: undefined })), /no jti claim/],
      ['missing aud', async () => es256(claims({ aud: undefined })), /no aud claim|not for this site/],
      ['missing iss', async () => es256(claims({ iss: undefined })), /names no service account/],
      ['expired beyond the skew', async () => es256(claims({ iat: now() - 200, exp: now() - 61 })), /expired/],
      ['nbf in the future beyond the skew', async () => es256(claims({ nbf: now() + 120 })), /not valid yet/],
      ['iat in the future beyond the skew', async () => es256(claims({ iat: now() + 120, exp: now() + 180 })), /issued in the future/],
      ['wrong aud', async () => es256(claims({ aud: 'https://elsewhere.example' })), /not for this site/],
      ['unknown iss', async () => es256(claims({ iss: 'nobody-here' })), /Unknown service account/],
      ['sub is not the account', async () => es256(claims({ sub: 'someone-else' })), /sub must be the service account/],
      ['lifetime beyond the account maximum', async () => es256(claims({ exp: now() + 301 })), /max lifetime/],
      ['empty scope', async () => es256(claims({ scope: ' ' })), /scope claim is empty/],
      ['scope the account does not hold', async () => es256(claims({ scope: 'records.read audit.export' })), /does not hold: audit\.export/],
      ['a signing scope', async () => es256(claims({ scope: 'records.create records.sign_approval' })), /does not hold: records\.sign_approval/],
      ['not a JWT', async () => 'not-a-token', /Bearer <JWT>/],
    ];
    const before = await counts();
    const counted = await refusalsCounted();
    for (const [label, make, detail] of cases) {
      const r = await post(await make());
      expect(r.status, label).toBe(401);
      expect(r.headers.get('content-type'), label).toBe('application/problem+json');
      const www = r.headers.get('www-authenticate') ?? '';
      expect(www, label).toMatch(/^Bearer realm="custos-api", error="(invalid_token|invalid_request)", error_description="/);
      expect(www, label).toMatch(detail);
      expect((await r.json()).detail, label).toMatch(detail);
    }
    expect(await counts()).toEqual(before);
    expect(await refusalsCounted()).toBe(counted + cases.length);
    await expect(verifyServiceToken(t.db, null)).rejects.toMatchObject({ error: 'invalid_request', reason: 'missing' });
  });

  it('[11.10(d)] [11.10(e)] a valid token writes a draft audited as service:<id> with kid and jti; the same token again is a replay (401, one record)', async () => {
    const token = await es256(claims({ iat: now() - 30, exp: now() - 30 + 90 }));
    const before = await counts();
    const r = await post(token);
    expect(r.status).toBe(201);
    const created = (await r.json()) as { id: string; number: string; version: number };
    expect(created.version).toBe(1);
    const [ev] = await sql(`SELECT actor_type, actor_id, actor_name, session_id, action FROM audit_events WHERE entity_id = $1`, [created.id]);
    const [{ jti }] = await sql(`SELECT jti FROM service_token_jti ORDER BY expires_at DESC LIMIT 1`);
    expect(ev).toEqual({ actor_type: 'system', actor_id: `service:${ACCOUNT}`, actor_name: 'EBR line 1', session_id: `kid:k1 jti:${jti}`, action: 'record.create' });
    const [rec] = await sql(`SELECT status, created_by FROM records WHERE id = $1`, [created.id]);
    expect(rec).toEqual({ status: 'draft', created_by: `service:${ACCOUNT}` });

    const again = await post(token);
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toMatch(/error="invalid_token", error_description="This token was used already \(jti\)"/);
    const after = await counts();
    expect(after.records).toBe(before.records + 1);
    expect(after.audit).toBe(before.audit + 1);
    const [acct] = await listServiceAccounts(t.db, a.s);
    expect(acct.keys[0].lastUsedAt).not.toBeNull();
  });

  it('[11.10(g)] a token without the scope the action needs is refused 403 insufficient_scope, nothing written; with it, list and get work', async () => {
    const before = await counts();
    const r = await post(await es256(claims({ scope: 'records.read' })));
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="records\.create"/);
    expect((await counts()).records).toBe(before.records);

    for (let i = 0; i < 3; i++) expect((await post(await es256(claims()))).status).toBe(201);
    const list = async (q: string) => {
      const res = await listRecordsRoute(new Request(`http://localhost/api/v1/records?${q}`, { headers: { authorization: `Bearer ${await es256(claims({ scope: 'records.read' }))}` } }));
      expect(res.status).toBe(200);
      return (await res.json()) as { items: Array<{ id: string; number: string }>; nextCursor: string | null };
    };
    const p1 = await list('kind=deviation&limit=2');
    expect(p1.items).toHaveLength(2);
    expect(p1.nextCursor).toBeTruthy();
    const p2 = await list(`kind=deviation&limit=2&cursor=${p1.nextCursor}`);
    expect(p2.items.length).toBe(2);
    expect(p2.items.map((x) => x.id)).not.toContain(p1.items[0].id);
    const bad = await listRecordsRoute(new Request('http://localhost/api/v1/records?limit=9999', { headers: { authorization: `Bearer ${await es256(claims({ scope: 'records.read' }))}` } }));
    expect(bad.status).toBe(400);
    expect((await bad.json()).errors).toHaveProperty('limit');

    const one = await getRecordRoute(new Request(`http://localhost/api/v1/records/${p1.items[0].id}`, { headers: { authorization: `Bearer ${await es256(claims({ scope: 'records.read' }))}` } }), {
      params: Promise.resolve({ id: p1.items[0].id }),
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: p1.items[0].id, versions: [expect.objectContaining({ version: 1, intact: true })], signatures: [] });

    const v2 = await newVersionRoute(
      new Request(`http://localhost/api/v1/records/${p1.items[0].id}/versions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await es256(claims({ scope: 'records.edit' }))}`, 'content-type': 'application/json' },
        body: JSON.stringify({ baseVersion: 1, reason: 'Area corrected by the EBR', content: { ...DEVIATION.content, area: 'Cold room 3' } }),
      }),
      { params: Promise.resolve({ id: p1.items[0].id }) },
    );
    expect(v2.status).toBe(201);
    expect(await v2.json()).toEqual({ id: p1.items[0].id, version: 2 });
  });

  it('[11.200(a)] a service cannot e-sign: its token never carries a signing permission and the signing service refuses it', async () => {
    const principal = await verifyServiceToken(t.db, `Bearer ${await es256(claims({ scope: 'records.read records.create records.edit' }))}`);
    expect([...principal.permissions].filter((p) => p.startsWith('records.sign'))).toEqual([]);
    const [rec] = await sql(`SELECT id FROM records ORDER BY created_at LIMIT 1`);
    for (const meaning of ['AUTHORSHIP', 'REVIEW', 'APPROVAL']) {
      await expect(signRecord(t.db, principal, { recordId: rec.id, version: 1, transition: 'submit', meaning, employeeId: principal.employeeId, password: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    expect(await sql('SELECT id FROM signatures')).toEqual([]);
  });

  it('[11.10(g)] [11.10(e)] devices, telemetry, quarantine and the audit trail are read with their own permissions only; an unknown device is a 404 problem', async () => {
    const hist = `hist-${randomBytes(3).toString('hex')}`;
    const key = ec();
    await change('service_account.create', { id: hist, name: 'Historian', ownerEmployeeId: a.employeeId, scopes: ['audit.read', 'devices.read', 'quarantine.read', 'telemetry.read'], maxTokenLifetimeS: 60, key: { kid: 'h1', publicKeyPem: pemOf(key.publicKey) } });
    const tok = (scope: string) => es256(claims({ iss: hist, sub: hist, scope, exp: now() + 60 }), { kid: 'h1', key: key.privateKey });
    const auth = async (scope: string) => ({ authorization: `Bearer ${await tok(scope)}` });
    const list = await listDevicesRoute(new Request('http://localhost/api/v1/devices?limit=10', { headers: await auth('devices.read') }));
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({ items: [], nextCursor: null });
    const none = await getDeviceRoute(new Request('http://localhost/api/v1/devices/NOPE-1', { headers: await auth('devices.read') }), { params: Promise.resolve({ id: 'NOPE-1' }) });
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ type: 'urn:custos:problem:NOT_FOUND', status: 404, detail: 'Unknown device' });
    // The audit trail with the viewer's filters: what the EBR service wrote, as service:<id>.
    const ev = await auditEventsRoute(new Request(`http://localhost/api/v1/audit-events?actor=service:${ACCOUNT}&action=record.create&limit=2&dir=asc`, { headers: await auth('audit.read') }));
    expect(ev.status).toBe(200);
    const page = (await ev.json()) as { rows: Array<{ actorId: string; action: string; sessionId: string }>; newer: string | null };
    expect(page.rows).toHaveLength(2);
    for (const r of page.rows) expect(r).toMatchObject({ actorId: `service:${ACCOUNT}`, action: 'record.create', sessionId: expect.stringMatching(/^kid:k1 jti:/) });
    const badFilter = await auditEventsRoute(new Request('http://localhost/api/v1/audit-events?action=NOT%20AN%20ACTION', { headers: await auth('audit.read') }));
    expect(badFilter.status).toBe(400);
    expect((await auditEventsRoute(new Request('http://localhost/api/v1/audit-events', { headers: await auth('devices.read') }))).status).toBe(403);
    // Telemetry and quarantine, as /telemetry and /quarantine list them.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date().toISOString();
    const readings = await telemetryRoute(new Request(`http://localhost/api/v1/telemetry?deviceId=NOPE-1&from=${from}&to=${to}`, { headers: await auth('telemetry.read') }));
    expect(readings.status).toBe(200);
    expect(await readings.json()).toEqual({ items: [], nextCursor: null });
    const noWindow = await telemetryRoute(new Request('http://localhost/api/v1/telemetry?deviceId=NOPE-1', { headers: await auth('telemetry.read') }));
    expect(noWindow.status).toBe(400);
    expect((await noWindow.json()).errors).toHaveProperty('from');
    expect((await proofRoute(new Request('http://localhost/api/v1/telemetry/1/proof', { headers: await auth('telemetry.read') }), { params: Promise.resolve({ id: '1' }) })).status).toBe(404);
    const q = await quarantineRoute(new Request('http://localhost/api/v1/quarantine?status=held', { headers: await auth('quarantine.read') }));
    expect(q.status).toBe(200);
    expect(await q.json()).toEqual({ items: [], nextCursor: null });
    expect((await quarantineEntryRoute(new Request('http://localhost/api/v1/quarantine/1', { headers: await auth('quarantine.read') }), { params: Promise.resolve({ id: '1' }) })).status).toBe(404);
    expect((await quarantineRoute(new Request('http://localhost/api/v1/quarantine', { headers: await auth('telemetry.read') }))).status).toBe(403);
    // Its token cannot ask for records.read, which the account does not hold.
    const records = await listRecordsRoute(new Request('http://localhost/api/v1/records', { headers: await auth('records.read') }));
    expect(records.status).toBe(401);
  });

  it('[11.10(d)] [Annex 11 §12] rotating retires the old key (its tokens are refused); a disabled account is refused', async () => {
    const k2 = ec();
    await change('service_account.rotate_key', { accountId: ACCOUNT, key: { kid: 'k2', publicKeyPem: pemOf(k2.publicKey) }, retireKids: ['k1'] });
    const old = await post(await es256(claims()));
    expect(old.status).toBe(401);
    expect(old.headers.get('www-authenticate')).toMatch(/Unknown or retired key \(kid k1\)/);
    expect((await post(await es256(claims(), { kid: 'k2', key: k2.privateKey }))).status).toBe(201);

    await change('service_account.update_scopes', { accountId: ACCOUNT, scopes: ['records.read'] });
    expect((await post(await es256(claims(), { kid: 'k2', key: k2.privateKey }))).headers.get('www-authenticate')).toMatch(/does not hold: records\.create/);

    await change('service_account.disable', { accountId: ACCOUNT });
    const off = await post(await es256(claims({ scope: 'records.read' }), { kid: 'k2', key: k2.privateKey }));
    expect(off.status).toBe(401);
    expect(off.headers.get('www-authenticate')).toMatch(/disabled/);
    const actions = await sql(`SELECT action FROM audit_events WHERE entity_type = 'ServiceAccount' AND entity_id = $1 ORDER BY seq`, [ACCOUNT]);
    expect(actions.map((x) => x.action)).toEqual(['service_account.create', 'service_account.rotate_key', 'service_account.update_scopes', 'service_account.disable']);
  });
});

describe('audit trail verification and export over /api/v1', () => {
  const AUDITOR = `audit-${randomBytes(3).toString('hex')}`;
  let key: ReturnType<typeof ec>;
  const tok = (scope: string) => es256(claims({ iss: AUDITOR, sub: AUDITOR, scope, exp: now() + 60 }), { kid: 'a1', key: key.privateKey });
  const auth = async (scope: string) => ({ authorization: `Bearer ${await tok(scope)}` });
  const verifyReq = async (scope: string, body: unknown = {}) =>
    auditVerifyRoute(new Request('http://localhost/api/v1/audit-events/verify', { method: 'POST', headers: { ...(await auth(scope)), 'content-type': 'application/json' }, body: JSON.stringify(body) }));
  const exportReq = async (scope: string, q: string) => auditExportRoute(new Request(`http://localhost/api/v1/audit-events/export?${q}`, { headers: await auth(scope) }));
  const exportEvents = async () =>
    (await sql(`SELECT action, actor_id, session_id, new_value FROM audit_events WHERE action IN ('audit.export_started', 'audit.export', 'audit.export_refused') AND actor_id = $1 ORDER BY seq`, [`service:${AUDITOR}`])) as Array<{
      action: string;
      actor_id: string;
      session_id: string;
      new_value: Record<string, unknown>;
    }>;

  beforeAll(async () => {
    key = ec();
    await change('service_account.create', { id: AUDITOR, name: 'Audit archive', ownerEmployeeId: a.employeeId, scopes: ['audit.export', 'audit.read', 'audit.verify'], maxTokenLifetimeS: 60, key: { kid: 'a1', publicKeyPem: pemOf(key.publicKey) } });
  });

  it("[11.10(e)] [Annex 11 §9] verify runs the viewer's chain verification and answers its report; the verification is audited as service:<id>", async () => {
    const r = await verifyReq('audit.verify');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    const report = (await r.json()) as { ok: boolean; chainOk: boolean; count: number; headSeq: string; broken: unknown; state: { ok: boolean; checked: { serviceAccounts: number }; divergences: unknown[] } };
    expect(report).toMatchObject({ ok: true, chainOk: true, broken: null, state: { ok: true, divergences: [] } });
    // The accounts of this file were replayed from their change events, too.
    expect(report.state.checked.serviceAccounts).toBeGreaterThanOrEqual(2);
    const [ev] = await sql(`SELECT actor_id, session_id, new_value FROM audit_events WHERE action = 'audit.verify' ORDER BY seq DESC LIMIT 1`);
    expect(ev).toMatchObject({ actor_id: `service:${AUDITOR}`, session_id: expect.stringMatching(/^kid:a1 jti:/), new_value: { ok: true, headSeq: report.headSeq, count: report.count } });

    const range = await verifyReq('audit.verify', { fromSeq: '1', toSeq: '3' });
    expect(range.status).toBe(200);
    expect(await range.json()).toMatchObject({ ok: true, from: '1', count: 3 });
  });

  it('[11.10(d)] verify needs audit.verify (403, nothing recorded) and names a bad field (400)', async () => {
    const before = await sql(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'audit.verify'`);
    const refused = await verifyReq('audit.read');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="audit\.verify"/);
    for (const [body, field] of [
      [{ fromSeq: 'one' }, 'fromSeq'],
      [{ fromSeq: '9', toSeq: '2' }, 'toSeq'],
      [{ chain: '../x' }, 'chain'],
      [{ everything: true }, 'body'],
    ] as const) {
      const bad = await verifyReq('audit.verify', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys((await bad.json()).errors ?? {}), JSON.stringify(body)).toContain(field);
    }
    expect(await sql(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'audit.verify'`)).toEqual(before);
  });

  it('[11.10(b)] [11.10(e)] export streams the filtered trail as CSV; export_started and the completion (rows, SHA-256 of the bytes sent) are audited as service:<id>', async () => {
    const r = await exportReq('audit.read audit.export', `format=csv&entityType=ServiceAccount&action=service_account.create`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="custos-audit-[\w-]+\.csv"$/);
    const exportId = r.headers.get('x-custos-export-id');
    const body = Buffer.from(await r.arrayBuffer());
    const lines = body.toString('utf8').trim().split(/\r?\n/);
    const accounts = await sql(`SELECT entity_id FROM audit_events WHERE action = 'service_account.create'`);
    expect(accounts.length).toBeGreaterThanOrEqual(3);
    expect(lines).toHaveLength(1 + accounts.length);
    expect(r.headers.get('x-custos-rows')).toBe(String(accounts.length));
    for (const { entity_id } of accounts) expect(body.toString('utf8')).toContain(entity_id as string);
    await expect.poll(async () => (await exportEvents()).filter((e) => e.new_value.exportId === exportId).map((e) => e.action)).toEqual(['audit.export_started', 'audit.export']);
    const [started, done] = (await exportEvents()).filter((e) => e.new_value.exportId === exportId);
    expect(started).toMatchObject({ actor_id: `service:${AUDITOR}`, session_id: expect.stringMatching(/^kid:a1 jti:/), new_value: { format: 'csv', filter: { entityType: 'ServiceAccount', action: 'service_account.create' }, rows: accounts.length } });
    expect(done.new_value).toMatchObject({ status: 'completed', format: 'csv', rows: accounts.length, bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), exportedBy: `Audit archive (service) (service:${AUDITOR})` });
  });

  it('[11.10(b)] export gives the signed bundle for the offline verifier as well', async () => {
    const r = await exportReq('audit.read audit.export', 'format=bundle&action=service_account.*');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const bundle = JSON.parse(await r.text()) as Record<string, unknown>;
    expect(JSON.stringify(bundle)).toContain('service_account.create');
    const exportId = r.headers.get('x-custos-export-id');
    await expect.poll(async () => (await exportEvents()).filter((e) => e.new_value.exportId === exportId).map((e) => [e.action, e.new_value.format])).toEqual([
      ['audit.export_started', 'bundle'],
      ['audit.export', 'bundle'],
    ]);
  });

  it('[11.10(d)] [11.10(b)] an export without audit.export is refused 403 before any input is read: no export started, no file, no completion; the refusal itself is audited as in the viewer', async () => {
    const before = await exportEvents();
    const [{ n: completions }] = await sql('SELECT count(*)::int AS n FROM audit_export_completions');
    for (const [scope, q] of [
      ['audit.read', 'format=csv'],
      ['audit.read', 'format=nonsense&from=yesterday'],
    ] as const) {
      const r = await exportReq(scope, q);
      expect(r.status, q).toBe(403);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect(r.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
      expect((await r.json()).detail).toBe('You do not have the permission audit.export');
    }
    const after = await exportEvents();
    expect(after.slice(before.length).map((e) => [e.action, e.new_value.format])).toEqual([
      ['audit.export_refused', 'csv'],
      ['audit.export_refused', 'nonsense'],
    ]);
    expect(await sql('SELECT count(*)::int AS n FROM audit_export_completions')).toEqual([{ n: completions }]);

    // With the scopes, bad input is a 400 naming the field, and nothing starts.
    for (const [q, field] of [
      ['format=xlsx', 'format'],
      ['format=csv&from=yesterday', 'from'],
    ] as const) {
      const r = await exportReq('audit.read audit.export', q);
      expect(r.status, q).toBe(400);
      expect((await r.json()).errors, q).toHaveProperty(field);
    }
    expect((await exportEvents()).length).toBe(after.length);
  });
});

describe('cursor paging of telemetry and quarantine over /api/v1', () => {
  const READER = `hist-${randomBytes(3).toString('hex')}`;
  const DEVICE = `FRIDGE-${randomBytes(2).toString('hex').toUpperCase()}`;
  let key: ReturnType<typeof ec>;
  const start = new Date(Date.now() - 3_600_000);
  start.setUTCSeconds(0, 0);
  const auth = async (scope: string) => ({
    authorization: `Bearer ${await es256(claims({ iss: READER, sub: READER, scope, exp: now() + 60 }), { kid: 'r1', key: key.privateKey })}`,
  });
  const readings = async (q: string) => telemetryRoute(new Request(`http://localhost/api/v1/telemetry?deviceId=${DEVICE}&from=${new Date(start.getTime() - 60_000).toISOString()}&to=${new Date().toISOString()}&${q}`, { headers: await auth('telemetry.read') }));
  const held = async (q: string) => quarantineRoute(new Request(`http://localhost/api/v1/quarantine?${q}`, { headers: await auth('quarantine.read') }));
  type TPage = { items: Array<{ id: string; receivedAt: string }>; nextCursor: string | null };

  async function walk(get: (q: string) => Promise<Response>, q: string): Promise<{ pages: TPage[]; ids: string[] }> {
    const pages: TPage[] = [];
    let cursor: string | null = null;
    do {
      const r = await get(`${q}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      const page = (await r.json()) as TPage;
      pages.push(page);
      cursor = page.nextCursor;
    } while (cursor && pages.length < 50);
    return { pages, ids: pages.flatMap((p) => p.items.map((i) => i.id)) };
  }

  beforeAll(async () => {
    key = ec();
    await change('service_account.create', { id: READER, name: 'Historian 2', ownerEmployeeId: a.employeeId, scopes: ['quarantine.read', 'telemetry.read'], maxTokenLifetimeS: 60, key: { kid: 'r1', publicKeyPem: pemOf(key.publicKey) } });
    const secret = randomBytes(32);
    await registerDevice(t.db, { id: DEVICE, key: { hmacSecretHex: secret.toString('hex') } }, SYSTEM_CLI);
    const ingestor = new Ingestor(t.db);
    // 11 readings (ids of one and two digits); three pairs share their received time, so a page
    // boundary falls between equal times.
    const at = (i: number) => new Date(start.getTime() + i * 60_000);
    const received = [0, 1, 1, 2, 3, 3, 4, 5, 6, 6, 7];
    const r = await ingestor.ingest(received.map((m, i) => ({ source: 'mqtt' as const, topic: null, raw: buildHmacPayload({ deviceId: DEVICE, secret, value: `${4 + i / 10}`, at: at(i) }), receivedAt: at(m) })));
    expect(r.quarantined).toBe(0);
    const junk = await ingestor.ingest(Array.from({ length: 12 }, (_, i) => ({ source: 'http' as const, topic: null, raw: Buffer.from(`not json ${i}`), receivedAt: new Date() })));
    expect(junk.quarantined).toBe(12);
  }, 120_000);

  it('[11.10(b)] [Annex 11 §7.1] telemetry pages of 2 cover every reading of the window exactly once, in received order, ties included', async () => {
    const all = (await (await readings('limit=500')).json()) as TPage;
    expect(all.items).toHaveLength(11);
    expect(all.nextCursor).toBeNull();
    for (const dir of ['desc', 'asc'] as const) {
      const { pages, ids } = await walk(readings, `limit=2&dir=${dir}`);
      expect(pages).toHaveLength(6);
      expect(pages.slice(0, 5).every((p) => p.items.length === 2 && p.nextCursor)).toBe(true);
      expect(pages.at(-1)).toMatchObject({ nextCursor: null });
      expect(new Set(ids).size).toBe(11);
      expect(ids).toEqual(dir === 'desc' ? all.items.map((i) => i.id) : [...all.items].reverse().map((i) => i.id));
    }
  });

  it('[11.10(b)] quarantine pages cover every held message exactly once, newest first', async () => {
    // 12 messages: ids of one and two digits, ordered as numbers.
    const { pages, ids } = await walk(held, 'status=held&limit=5');
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    const [{ n }] = await sql(`SELECT count(*)::int AS n FROM quarantine WHERE status = 'held'`);
    expect(ids).toHaveLength(n as number);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort((x, y) => Number(BigInt(y) - BigInt(x))));
    expect(pages[0].items[0]).toMatchObject({ reason: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), preview: expect.any(String) });
    expect(pages[0].items[0]).not.toHaveProperty('raw');
  });

  it('[11.10(a)] a bad cursor, limit or parameter is a 400 problem naming it', async () => {
    const first = (await (await readings('limit=2')).json()) as TPage;
    const quarantineCursor = ((await (await held('limit=1')).json()) as TPage).nextCursor!;
    const badCursors = ['not*base64', Buffer.from('2026-02-30T10:00:00.000000Z|1').toString('base64url'), Buffer.from('x|y|z').toString('base64url'), quarantineCursor];
    for (const c of badCursors) {
      const r = await readings(`limit=2&cursor=${c}`);
      expect(r.status, c).toBe(400);
      expect(r.headers.get('content-type')).toBe('application/problem+json');
      expect((await r.json()).errors, c).toHaveProperty('cursor');
    }
    for (const c of ['%%%', first.nextCursor!, Buffer.from('-1').toString('base64url')]) {
      const r = await held(`cursor=${encodeURIComponent(c)}`);
      expect(r.status, c).toBe(400);
      expect((await r.json()).errors, c).toHaveProperty('cursor');
    }
    expect((await readings('limit=0')).status).toBe(400);
    const unknown = await held('page=2');
    expect(unknown.status).toBe(400);
  });
});
