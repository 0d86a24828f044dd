import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { SignJWT } from 'jose';
import { generateSync } from 'otplib';
import { newMfaSecret, sealMfaSecret } from '@/lib/auth/mfa';
import { CR_KINDS, type TCrKind } from '@/lib/change-requests/kinds';
import { BUILTIN_ROLE_PERMISSIONS, BUILTIN_ROLES } from '@/lib/rbac/builtin-roles';
import { SERVICE_SCOPES } from '@/lib/service-accounts/scopes';
import { ACTION_ACCESS, PAGE_ACCESS, ROUTE_ACCESS, requiredPermissions, signingPermissions, type TAccess } from '@/lib/rbac/endpoint-access';
import type { TSignatureMeaning } from '@/lib/esign/meanings';
import { transitionsFor } from '@/lib/records/lifecycle';
import { expect, test, type TE2eUser } from '../fixtures';
import { ROOT, actionReturn, discoverActions, encodeReply, fill, type TActionRef } from './server-actions';

// The generated authorization test (21 CFR 11.10(d)(g)): every server action of the build (its
// server-reference manifest) and every route handler of the app directory is called as each
// built-in role, as a custom role without permissions and anonymously, over HTTP against the
// running server, and the outcome is compared with lib/rbac/endpoint-access.ts. Inputs are
// harmless (unknown ids, missing reasons): a call the table allows gets past the authority
// check and is refused later for its input, which is how "allowed" is told from "refused".

// ── what the build and the app directory contain ────────────────────────────────────────────

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function appFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return appFiles(p, name);
    return e.name === name ? [p] : [];
  });
}

/** The path of an app-directory file's route segment: app/records/[id]/page.tsx → /records/[id]. */
const routeOf = (file: string) => `/${path.relative(path.join(ROOT, 'app'), path.dirname(file)).split(path.sep).join('/')}`.replace(/\/$/, '') || '/';

function discoverPages(): string[] {
  return appFiles(path.join(ROOT, 'app'), 'page.tsx').map(routeOf).sort();
}

/** `METHOD /path` of every exported handler (function or re-export), read from the source. */
function discoverRoutes(): string[] {
  const out: string[] = [];
  for (const file of appFiles(path.join(ROOT, 'app'), 'route.ts')) {
    const src = readFileSync(file, 'utf8');
    const route = routeOf(file);
    const exported = new Set<string>();
    for (const m of src.matchAll(/export\s+(?:async\s+)?(?:function|const)\s+([A-Z]+)\b/g)) exported.add(m[1]);
    for (const m of src.matchAll(/export\s*\{([^}]*)\}/g)) for (const n of m[1].matchAll(/\bas\s+([A-Z]+)\b|^\s*([A-Z]+)\s*$/gm)) exported.add(n[1] ?? n[2]);
    for (const method of METHODS) if (exported.has(method)) out.push(`${method} ${route}`);
  }
  return out.sort();
}

// ── the calls: harmless inputs for each action and route ─────────────────────────────────────

const NOWHERE = '00000000-0000-4000-8000-000000000000';

interface TCall {
  name: string;
  access: TAccess;
  kind?: TCrKind;
  meaning?: TSignatureMeaning;
  run: (who: TIdentity) => Promise<TOutcome>;
}

/** Form fields per action: enough to reach the authority check, never enough to change anything. */
const ACTION_FORMS: Record<string, Record<string, string>> = {
  'app/account/mfa/actions.ts#startMfaAction': {},
  'app/account/mfa/actions.ts#confirmMfaAction': { code: 'not-a-code' },
  'app/account/password/actions.ts#changePasswordAction': { current: '', next: '', confirm: '' },
  // A document that exists nowhere: nothing is signed.
  'app/account/training/actions.ts#completeTrainingAction': { recordId: NOWHERE, version: '1', meaning: 'READ_AND_UNDERSTOOD' },
  // No reason and a backup that does not exist: nothing is requested.
  'app/admin/backups/actions.ts#requestRestoreAction': { backupId: NOWHERE },
  'app/admin/devices/actions.ts#requestDeviceRegistrationAction': { id: '', keyKind: 'hmac' },
  'app/admin/devices/actions.ts#requestKeyRotationAction': { deviceId: '', keyKind: 'hmac' },
  'app/admin/devices/actions.ts#requestCertificateAction': { deviceId: '' },
  'app/admin/broker/actions.ts#requestBrokerChangeAction': { commands: '[]' },
  'app/admin/security-alerts/actions.ts#requestUnlockAction': { userId: NOWHERE },
  // No reason: nothing goes live.
  'app/admin/site/actions.ts#goLiveAction': {},
  // No content hash, no comment, no credentials: nothing is acknowledged.
  'app/admin/security-alerts/actions.ts#acknowledgeAlertAction': { alertId: '999999999', meaning: 'RESPONSIBILITY' },
  // No period, an unknown review: nothing is opened, marked or closed.
  'app/audit/reviews/actions.ts#openReviewAction': {},
  'app/audit/reviews/actions.ts#markSeenAction': { id: NOWHERE, seq: '1' },
  'app/audit/reviews/actions.ts#closeReviewAction': { id: NOWHERE, meaning: 'REVIEW', finding: 'none' },
  // One call per kind (its permission differs); the reason is missing, so nothing is requested.
  'app/change-requests/actions.ts#requestChangeAction': { targetUserId: NOWHERE, targetRoleId: NOWHERE },
  'app/change-requests/actions.ts#decideAction': { id: NOWHERE, decision: 'approve', meaning: 'APPROVAL' },
  'app/change-requests/actions.ts#cancelAction': { id: NOWHERE },
  'app/change-requests/actions.ts#revealSecretAction': { id: NOWHERE },
  'app/quarantine/actions.ts#decideQuarantineAction': { id: NOWHERE, decision: 'discard' },
  'app/records/actions.ts#createRecordAction': { kind: 'deviation' },
  'app/records/actions.ts#editRecordAction': { recordId: NOWHERE, kind: 'deviation' },
  'app/records/actions.ts#signRecordAction': { recordId: NOWHERE },
  'app/records/actions.ts#retireRecordAction': { recordId: NOWHERE },
};

interface TRouteInput {
  path?: string;
  json?: unknown;
  /** Run after every other call: it ends the caller's session. */
  last?: boolean;
}

const ROUTE_INPUTS: Record<string, TRouteInput> = {
  'GET /api/audit/export': { path: '/api/audit/export?format=csv&fromSeq=1&toSeq=1' },
  'POST /api/audit/verify': { json: { fromSeq: '1', toSeq: '1' } },
  'GET /api/auth/[...nextauth]': { path: '/api/auth/providers' },
  // Without the CSRF token next-auth sends the caller back to its sign-in page: nobody signs in.
  'POST /api/auth/[...nextauth]': { path: '/api/auth/callback/credentials', json: { employeeId: 'NOBODY', password: 'x' } },
  'POST /api/change-requests/[id]/decision': { json: { decision: 'approve' } },
  'POST /api/ingest/gateway': { json: {} },
  'POST /api/session/unlock': { json: {} },
  'POST /api/session/end': { last: true },
  // Nothing to create: allowed calls are refused for their input (400), after the permission.
  'POST /api/v1/records': { json: { kind: 'nothing' } },
  'POST /api/v1/records/[id]/versions': { json: {} },
  // One event each: allowed calls verify or export a single seq.
  'POST /api/v1/audit-events/verify': { json: { fromSeq: '1', toSeq: '1' } },
  'GET /api/v1/audit-events/export': { path: '/api/v1/audit-events/export?format=csv&fromSeq=1&toSeq=1' },
};

interface TIdentity {
  label: string;
  /** null: anonymous. */
  permissions: ReadonlySet<string> | null;
  cookie: string;
}

interface TOutcome {
  refused: boolean;
  detail: string;
}

const REFUSALS = [/^Sign in to continue$/, /^You do not have the permission [a-z_]+\.[a-z_]+( and [a-z_]+\.[a-z_]+)*$/, /^You do not have any of the permissions [a-z_]+\.[a-z_]+(, [a-z_]+\.[a-z_]+)+$/];
const isRefusal = (message: unknown) => typeof message === 'string' && REFUSALS.some((r) => r.test(message));

function headers(who: TIdentity, baseURL: string, extra: Record<string, string> = {}): Record<string, string> {
  return { origin: baseURL, ...(who.cookie ? { cookie: who.cookie } : {}), ...extra };
}

function actionCall(baseURL: string, ref: TActionRef, access: TAccess, fields: Record<string, string>, kind?: TCrKind, meaning?: TSignatureMeaning): TCall {
  return {
    name: kind ? `${ref.key} (${kind})` : meaning ? `${ref.key} (${meaning})` : ref.key,
    access,
    kind,
    meaning,
    run: async (who) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.set(k, v);
      if (kind) form.set('kind', kind);
      const res = await fetch(baseURL + ref.pagePath, {
        method: 'POST',
        headers: headers(who, baseURL, { 'next-action': ref.id, accept: 'text/x-component' }),
        body: await encodeReply([{}, form]),
        redirect: 'manual',
      });
      const text = await res.text();
      if (res.headers.get('x-action-redirect')) return { refused: false, detail: `${res.status} redirect ${res.headers.get('x-action-redirect')}` };
      if (res.status >= 500) throw new Error(`${ref.key} as ${who.label}: HTTP ${res.status}\n${text.slice(0, 500)}`);
      const value = actionReturn(text);
      const error = value?.error;
      return { refused: isRefusal(error), detail: `${res.status} ${typeof error === 'string' ? error : JSON.stringify(value)}` };
    },
  };
}

function routeCall(baseURL: string, key: string, access: TAccess, input: TRouteInput): TCall {
  const [method, route] = key.split(' ');
  return {
    name: key,
    access,
    run: async (who) => {
      const res = await fetch(baseURL + (input.path ?? fill(route)), {
        method,
        headers: headers(who, baseURL, input.json === undefined ? {} : { 'content-type': 'application/json' }),
        body: method === 'GET' ? undefined : JSON.stringify(input.json ?? {}),
        redirect: 'manual',
      });
      const text = await res.text();
      if (res.status >= 500) throw new Error(`${key} as ${who.label}: HTTP ${res.status}\n${text.slice(0, 500)}`);
      let message: unknown;
      try {
        // Route handlers answer { error: { message } }; /api/v1 answers problem+json (detail).
        const body = JSON.parse(text) as { error?: { message?: unknown }; type?: unknown; detail?: unknown };
        message = body.error?.message ?? (typeof body.type === 'string' && body.type.startsWith('urn:custos:problem:') ? body.detail : undefined);
      } catch {
        message = undefined;
      }
      const refused = res.status === 401 || (res.status === 403 && isRefusal(message));
      return { refused, detail: `${res.status} ${typeof message === 'string' ? message : text.slice(0, 120)}` };
    },
  };
}

function pageCall(baseURL: string, route: string, access: TAccess): TCall {
  return {
    name: `page ${route}`,
    access,
    run: async (who) => {
      const res = await fetch(baseURL + fill(route), { headers: headers(who, baseURL), redirect: 'manual' });
      const text = await res.text();
      if (res.status >= 500) throw new Error(`page ${route} as ${who.label}: HTTP ${res.status}\n${text.slice(0, 500)}`);
      const location = res.headers.get('location') ?? '';
      const toSignIn = res.status >= 300 && res.status < 400 && /^(https?:\/\/[^/]+)?\/login(\?|$)/.test(location);
      const missing = /You do not have the permission <code[^>]*>([a-z_.]+)<\/code>/.exec(text);
      return { refused: toSignIn || missing !== null, detail: `${res.status}${location ? ` → ${location}` : ''}${missing ? ` not permitted: ${missing[1]}` : ''}` };
    },
  };
}

/** What the table says for this identity: refused, or let through to the input checks. */
function expectedRefused(call: TCall, who: TIdentity): boolean | 'device' {
  switch (call.access.who) {
    case 'anyone':
      return false;
    case 'device':
    case 'token':
      return 'device';
    case 'signed-in':
      return who.permissions === null;
    case 'sign-meaning':
      return who.permissions === null || !signingPermissions(call.meaning!).some((p) => who.permissions!.has(p));
    default:
      return who.permissions === null || !requiredPermissions(call.access, call.kind).every((p) => who.permissions!.has(p));
  }
}

function calls(baseURL: string): TCall[] {
  const out: TCall[] = [];
  for (const ref of discoverActions()) {
    const access = ACTION_ACCESS[ref.key];
    const fields = ACTION_FORMS[ref.key];
    if (!access || !fields) continue; // reported by the completeness test
    if (access.who === 'change-kind' && access.kind === 'from-form') {
      for (const kind of CR_KINDS) out.push(actionCall(baseURL, ref, access, fields, kind));
    } else if (access.who === 'sign-meaning') {
      // One call per meaning × the caller's role: a record that does not exist, so nothing is signed.
      for (const t of transitionsFor('batch_record')) {
        out.push(actionCall(baseURL, ref, access, { ...fields, version: '1', transition: t.name, meaning: t.meaning }, undefined, t.meaning));
      }
    } else out.push(actionCall(baseURL, ref, access, fields));
  }
  const routes = discoverRoutes()
    .filter((k) => ROUTE_ACCESS[k])
    .map((k) => ({ k, input: ROUTE_INPUTS[k] ?? {} }))
    .sort((a, b) => Number(a.input.last ?? false) - Number(b.input.last ?? false));
  for (const page of discoverPages()) if (PAGE_ACCESS[page]) out.unshift(pageCall(baseURL, page, PAGE_ACCESS[page]));
  for (const { k, input } of routes) out.push(routeCall(baseURL, k, ROUTE_ACCESS[k], input));
  return out;
}

// ── identities ───────────────────────────────────────────────────────────────────────────────

const NO_PERMISSIONS = 'custom role without permissions';
const IDENTITIES = ['anonymous', ...BUILTIN_ROLES, NO_PERMISSIONS] as const;

async function cookieOf(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

test('[11.10(g)] every page, server action and route handler is in the permission table, and the built-in roles hold what it says', async ({ e2eDb }) => {
  const actions = discoverActions().map((a) => a.key);
  const routes = discoverRoutes();
  expect(actions.length).toBeGreaterThan(10);
  expect(routes.length).toBeGreaterThan(10);
  expect(actions.filter((k) => !ACTION_ACCESS[k]), 'server actions missing from lib/rbac/endpoint-access.ts').toEqual([]);
  expect(actions.filter((k) => !ACTION_FORMS[k]), 'server actions without test input').toEqual([]);
  expect(Object.keys(ACTION_ACCESS).filter((k) => !actions.includes(k)), 'table entries for actions that do not exist').toEqual([]);
  expect(routes.filter((k) => !ROUTE_ACCESS[k]), 'route handlers missing from lib/rbac/endpoint-access.ts').toEqual([]);
  const pages = discoverPages();
  expect(pages.length).toBeGreaterThan(10);
  expect(pages.filter((k) => !PAGE_ACCESS[k]), 'pages missing from lib/rbac/endpoint-access.ts').toEqual([]);
  expect(Object.keys(PAGE_ACCESS).filter((k) => !pages.includes(k)), 'table entries for pages that do not exist').toEqual([]);
  expect(Object.keys(ROUTE_ACCESS).filter((k) => !routes.includes(k)), 'table entries for routes that do not exist').toEqual([]);

  const { rows } = await e2eDb.pool.query<{ role: string; permissions: string[] }>(
    `SELECT r.name AS role, coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}') AS permissions
       FROM roles r LEFT JOIN role_permissions p ON p.role_id = r.id WHERE r.built_in GROUP BY r.name ORDER BY r.name`,
  );
  const expected = Object.entries(BUILTIN_ROLE_PERMISSIONS)
    .map(([role, permissions]) => ({ role, permissions: [...permissions].sort() }))
    .sort((a, b) => a.role.localeCompare(b.role));
  expect(rows).toEqual(expected);
});

for (const label of IDENTITIES) {
  test(`[11.10(d)(g)] [Annex 11 §12] [4-eyes] as ${label}: every page, server action and route handler allows exactly what the permission table grants`, async ({
    page,
    baseURL,
    e2eDb,
    makeUser,
    signIn,
  }) => {
    test.slow();
    let who: TIdentity = { label, permissions: null, cookie: '' };
    if (label !== 'anonymous') {
      let role: string = label;
      let permissions: readonly string[] = [];
      if (label === NO_PERMISSIONS) {
        role = `E2E nothing ${randomBytes(3).toString('hex')}`;
        await e2eDb.pool.query('INSERT INTO roles (name, description) VALUES ($1, $2)', [role, 'e2e: a custom role holding no permission']);
      } else permissions = BUILTIN_ROLE_PERMISSIONS[label as keyof typeof BUILTIN_ROLE_PERMISSIONS];
      const user: TE2eUser = await makeUser({ roles: [role] });
      let otp: (() => string) | undefined;
      if (label === 'Administrator') {
        // Administrators sign in with a second factor: enrolled here as the enrolment page would.
        const secret = newMfaSecret();
        await e2eDb.pool.query('UPDATE users SET mfa_secret_enc = $2, mfa_enabled_at = now() WHERE id = $1', [user.id, sealMfaSecret(user.id, secret)]);
        otp = () => generateSync({ secret });
      }
      await signIn(page, user, { otp });
      await expect(page.getByTestId('session-user')).toBeVisible();
      who = { label, permissions: new Set(permissions), cookie: await cookieOf(page) };
    }

    const unexpectedAllows: string[] = [];
    const unexpectedRefusals: string[] = [];
    const device: Array<{ name: string; detail: string }> = [];
    const all = calls(baseURL!);
    for (const call of all) {
      const outcome = await call.run(who);
      const expected = expectedRefused(call, who);
      if (expected === 'device') {
        device.push({ name: call.name, detail: outcome.detail });
        continue;
      }
      if (expected && !outcome.refused) unexpectedAllows.push(`${call.name}: ${outcome.detail}`);
      if (!expected && outcome.refused) unexpectedRefusals.push(`${call.name}: ${outcome.detail}`);
    }
    expect(all.length).toBeGreaterThan(30);
    expect(unexpectedAllows, `allowed as ${label} but not granted by the table`).toEqual([]);
    expect(unexpectedRefusals, `refused as ${label} although the table grants it`).toEqual([]);
    // The device gateway: a person's session adds nothing, an unsigned body is refused for anyone.
    for (const d of device) expect(d.detail, d.name).toMatch(/^4\d\d /);
  });
}


// ── /api/v1 × service scopes ─────────────────────────────────────────────────────────────────

test('[11.10(d)(g)] [11.200(a)] as a service account holding each scope alone: every /api/v1 route allows exactly what the permission table grants', async ({ baseURL, e2eDb, makeUser }) => {
  test.slow();
  const owner = await makeUser({ roles: ['Auditor'] });
  const doc = (await (await fetch(`${baseURL}/api/v1/openapi.json`)).json()) as { servers: Array<{ url: string }> };
  const aud = doc.servers[0].url;
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const v1 = discoverRoutes().filter((k) => k.split(' ')[1].startsWith('/api/v1/') && ROUTE_ACCESS[k]);
  expect(v1.length).toBeGreaterThanOrEqual(6);
  const problems: string[] = [];
  // A token cannot hold no scope (an empty scope is refused): each scope alone is the matrix.
  for (const scope of SERVICE_SCOPES) {
    const id = `e2e-${randomBytes(4).toString('hex')}`;
    // telemetry.ingest is held only by an account bound to one gateway (service_accounts_gateway_binding).
    let gatewayId: string | null = null;
    if (scope === 'telemetry.ingest') {
      gatewayId = `GW-E2E-${randomBytes(3).toString('hex')}`;
      await e2eDb.pool.query("INSERT INTO devices (id, kind) VALUES ($1, 'ecdsa')", [gatewayId]);
      await e2eDb.pool.query('INSERT INTO device_keys (device_id, version, public_key_pem) VALUES ($1, 1, $2)', [gatewayId, key.publicKey.export({ type: 'spki', format: 'pem' })]);
    }
    await e2eDb.pool.query('INSERT INTO service_accounts (id, name, owner_id, scopes, max_token_lifetime_s, gateway_id) VALUES ($1, $2, $3, $4, 300, $5)', [id, `e2e ${scope}`, owner.id, [scope], gatewayId]);
    await e2eDb.pool.query("INSERT INTO service_account_keys (account_id, kid, public_key_pem, fingerprint) VALUES ($1, 'k1', $2, 'e2e')", [id, key.publicKey.export({ type: 'spki', format: 'pem' })]);
    for (const k of v1) {
      const [method, route] = k.split(' ');
      const input = ROUTE_INPUTS[k] ?? {};
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ scope, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer(id)
        .setSubject(id)
        .setAudience(aud)
        .setIssuedAt(now)
        .setExpirationTime(now + 60)
        .sign(key.privateKey);
      const res = await fetch(baseURL + (input.path ?? fill(route)), {
        method,
        headers: { authorization: `Bearer ${token}`, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
        body: method === 'GET' ? undefined : JSON.stringify(input.json ?? {}),
        redirect: 'manual',
      });
      const text = await res.text();
      if (res.status >= 500) throw new Error(`${k} with scope ${scope}: HTTP ${res.status} ${text.slice(0, 300)}`);
      const access = ROUTE_ACCESS[k];
      const expected = access.who === 'anyone' ? false : !requiredPermissions(access).every((p) => p === scope);
      const refused = res.status === 401 || (res.status === 403 && /insufficient_scope/.test(res.headers.get('www-authenticate') ?? ''));
      if (expected !== refused) problems.push(`${k} with scope ${scope}: ${res.status} ${text.slice(0, 160)}`);
    }
  }
  expect(problems, 'a service token allowed or refused something the table does not say').toEqual([]);
  // 11.200: a service never signed anything.
  const { rows } = await e2eDb.pool.query("SELECT count(*)::int AS n FROM signatures WHERE signer_employee_id LIKE 'service:%'");
  expect(rows[0].n).toBe(0);
});
