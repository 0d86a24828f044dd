import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { countQueues, listChangeRequests } from '@/lib/change-requests/list-change-requests';
import { requestChange } from '@/lib/change-requests/request-change';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { BUILTIN_ROLE_PERMISSIONS, BUILTIN_ROLES } from '@/lib/rbac/builtin-roles';
import { goLive } from '@/lib/site/go-live';
import { siteState } from '@/lib/site/site-state';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// Authority (21 CFR 11.10(g)) on real PostgreSQL: who may sign which meaning, what a change
// request needs, commissioning a site and going live, the CLI as a named person, break-glass.

const exec = promisify(execFile);
const ID = { method: 'hr_record', reference: 'HR-2041', verifiedBy: 'Hana Resources' };
const IDENTITY_FLAGS = ['--identity-method', 'hr_record', '--identity-reference', 'HR-2041', '--identity-verified-by', 'Hana Resources'];
let t: TTestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase('authority');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-authority-'));
});
afterAll(async () => {
  await t?.drop();
});

async function person(roles: string[]) {
  const u = await makeUser(t.db, { roles, prefix: roles[0].replace(/\W/g, '').slice(0, 6) });
  return { ...u, s: await sessionUser(t.db, u) };
}
type TPerson = Awaited<ReturnType<typeof person>>;

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

async function custos(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec('node_modules/.bin/tsx', ['scripts/custos.ts', ...args], {
      env: { ...process.env, DATABASE_URL: t.ownerUrl, APP_DATABASE_URL: t.appUrl, CUSTOS_SIGNING_KEY_FILE: t.keyFile, ...env },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const batch = { title: 'Batch 7', product: 'Product X', batchNumber: 'B-7', quantity: '10', unit: 'vials', manufacturedOn: '2026-11-20', notes: '' };
const TRANSITIONS = [
  { name: 'submit', meaning: 'AUTHORSHIP', permission: 'records.sign_authorship', from: 'draft' },
  { name: 'review', meaning: 'REVIEW', permission: 'records.sign_review', from: 'in_review' },
  { name: 'approve', meaning: 'APPROVAL', permission: 'records.sign_approval', from: 'reviewed' },
  { name: 'reject', meaning: 'REJECTION', permission: 'records.sign_rejection', from: 'in_review' },
] as const;

describe('authority per signature meaning', () => {
  it('[11.10(g)] each meaning × built-in role: refused before the password without the meaning\'s permission (audited), else the password is checked', async () => {
    const author = await person(['Operator']);
    const reviewer = await person(['QA Reviewer']);
    const sign = (p: TPerson, recordId: string, name: string, meaning: string, password = p.password) =>
      signRecord(t.db, p.s, { recordId, version: 1, transition: name, meaning, employeeId: p.employeeId, password, comment: 'because' });
    // One record in each state a transition starts from.
    const atStatus: Record<string, string> = {};
    for (const status of ['draft', 'in_review', 'reviewed']) {
      const r = await createRecord(t.db, author.s, { kind: 'batch_record', content: batch });
      if (status !== 'draft') await sign(author, r.id, 'submit', 'AUTHORSHIP');
      if (status === 'reviewed') await sign(reviewer, r.id, 'review', 'REVIEW');
      atStatus[status] = r.id;
    }
    const outcomes: string[] = [];
    for (const role of BUILTIN_ROLES) {
      for (const tr of TRANSITIONS) {
        const p = await person([role]);
        const granted = (BUILTIN_ROLE_PERMISSIONS[role] as readonly string[]).includes(tr.permission);
        const err = await sign(p, atStatus[tr.from], tr.name, tr.meaning, 'not the password').then(
          () => null,
          (e: Error) => e.message,
        );
        const [{ failed_attempts: failures }] = await sql('SELECT failed_attempts FROM users WHERE id = $1', [p.id]);
        outcomes.push(`${role} ${tr.meaning}: ${err} (${failures})`);
        if (granted) {
          expect(err, `${role} ${tr.meaning}`).toBe('Signature refused: wrong password');
          expect(failures).toBe(1);
        } else {
          expect(err, `${role} ${tr.meaning}`).toMatch(/^You do not have (the permission|any of the permissions) records\.sign/);
          expect(failures, 'the password is not looked at').toBe(0);
          const refused = await sql(`SELECT reason FROM audit_events WHERE action = 'esign.refused' AND actor_id = $1`, [p.employeeId]);
          expect(refused.map((r) => r.reason)).toEqual([err]);
        }
      }
    }
    // The case: an Operator cannot approve; administrators sign nothing.
    expect(outcomes.filter((o) => o.startsWith('Operator APPROVAL') || o.startsWith('Administrator'))).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Operator APPROVAL: You do not have the permission records\.sign_approval/)]),
    );
    expect((await sql(`SELECT status FROM records WHERE id = $1`, [atStatus.reviewed]))[0].status).toBe('reviewed');
  });
});

describe('what a change request needs', () => {
  it('[11.10(g)] escalation with custom roles: users.create without roles.manage cannot create an administrator; an approver must hold what is applied', async () => {
    await sql(`INSERT INTO roles (name, description) VALUES ('User clerk', 'creates users'), ('Light approver', 'approves, creates users')`);
    await sql(`INSERT INTO role_permissions (role_id, permission) SELECT id, p FROM roles, unnest(ARRAY['users.create','users.read','change_requests.approve']) p WHERE name = 'User clerk'`);
    await sql(`INSERT INTO role_permissions (role_id, permission) SELECT id, p FROM roles, unnest(ARRAY['users.create','change_requests.approve']) p WHERE name = 'Light approver'`);
    const clerk = await person(['User clerk']);
    await expect(
      requestChange(t.db, clerk.s, { kind: 'user.create', payload: { employeeId: 'EVIL-1', displayName: 'Eve Il', roles: ['Administrator'], identity: ID }, reason: 'escalate' }),
    ).rejects.toThrow('This change also needs the permission roles.manage, which you do not hold');
    expect(await sql(`SELECT 1 FROM change_requests WHERE target_label LIKE '%EVIL-1%'`)).toHaveLength(0);

    const admin = await person(['Administrator']);
    const op = await requestChange(t.db, admin.s, { kind: 'user.create', payload: { employeeId: 'OP-21', displayName: 'Oda Operator', roles: ['Operator'], identity: ID }, reason: 'new operator' });
    expect(op.requiredApprovals).toBe(1);
    const adm = await requestChange(t.db, admin.s, { kind: 'user.create', payload: { employeeId: 'AD-21', displayName: 'Ada Admin', roles: ['Administrator'], identity: ID }, reason: 'new admin' });
    expect(adm.requiredApprovals).toBe(2);
    const [row] = await sql(`SELECT required_permissions FROM change_requests WHERE id = $1`, [op.id]);
    expect(row.required_permissions).toEqual(['roles.manage', 'users.create']);

    // The light approver holds change_requests.approve and users.create, not roles.manage.
    const light = await person(['Light approver']);
    const cr = await getChangeRequest(t.db, light.s, op.id).catch(() => null);
    await expect(
      decideChangeRequest(t.db, light.s, { id: op.id, decision: 'approve', payloadHash: cr?.payloadHash ?? '0'.repeat(64), employeeId: light.employeeId, password: light.password }),
    ).rejects.toThrow(/permissions needed/);
    // Another administrator may, and one approval applies it.
    const admin2 = await person(['Administrator']);
    const q = await listChangeRequests(t.db, admin2.s, { queue: 'waiting' });
    expect(q.items.map((i) => i.number)).toEqual(expect.arrayContaining([op.number, adm.number]));
    expect((await countQueues(t.db, admin2.s)).waiting).toBeGreaterThanOrEqual(2);
    expect((await listChangeRequests(t.db, light.s, { queue: 'waiting' })).items.map((i) => i.number)).not.toContain(op.number);
    const cr2 = await getChangeRequest(t.db, admin2.s, op.id);
    const d = await decideChangeRequest(t.db, admin2.s, { id: op.id, decision: 'approve', payloadHash: cr2.payloadHash, employeeId: admin2.employeeId, password: admin2.password });
    expect(d.status).toBe('applied');
  });
});

describe('commissioning a site', () => {
  it('[11.10(g)] [Annex 11 §10] a lone administrator provisions by signature, go-live is refused until approvable, then direct provisioning is refused (service and CLI)', async () => {
    // A fresh site of its own: the first administrator is alone.
    const site = await createTestDatabase('commissioning');
    try {
      const first = await makeUser(site.db, { roles: ['Administrator'], prefix: 'FIRST' });
      const s = await sessionUser(site.db, first);
      const sig = { employeeId: first.employeeId, password: first.password };
      expect((await siteState(site.db)).phase).toBe('commissioning');
      const provision = (employeeId: string, roles: string[]) =>
        requestChange(site.db, s, { kind: 'user.create', payload: { employeeId, displayName: `Person ${employeeId}`, roles, identity: ID }, reason: 'commissioning the site', mode: 'commission', ...sig });
      const rev = await provision('REV-1', ['QA Reviewer']);
      expect(rev).toMatchObject({ applied: true });
      await provision('APP-1', ['QA Approver']);
      const wrong = await requestChange(site.db, s, {
        kind: 'user.create',
        payload: { employeeId: 'X-1', displayName: 'X', roles: ['Operator'], identity: ID },
        reason: 'commissioning',
        mode: 'commission',
        employeeId: first.employeeId,
        password: 'wrong',
      }).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(wrong).toBe('Signature refused: wrong password');

      const refused = await goLive(site.db, s, { reason: 'ready', ...sig }).then(
        () => null,
        (e: Error) => e.message,
      );
      expect(refused).toContain('The site cannot go live yet');
      expect(refused).toContain('Change role permissions: needs 3 active people holding roles.manage');
      await provision('ADM-2', ['Administrator']);
      await provision('ADM-3', ['Administrator']);
      // Commissioning users must change their one-time password, but they are active: the site is approvable.
      await goLive(site.db, s, { reason: 'three administrators, a reviewer and an approver are in place', ...sig });
      expect((await siteState(site.db)).phase).toBe('live');

      const c = await site.owner();
      const ev = await c.query(`SELECT action, actor_id, new_value FROM audit_events WHERE action IN ('change_request.commission', 'site.go_live') ORDER BY seq`);
      await c.end();
      expect(ev.rows.map((r) => r.action)).toEqual([...Array(4).fill('change_request.commission'), 'site.go_live']);
      expect(ev.rows.every((r) => r.actor_id === first.employeeId)).toBe(true);
      expect(ev.rows[4].new_value).toMatchObject({ meaning: 'RESPONSIBILITY', printedName: first.displayName });

      await expect(provision('LATE-1', ['Operator'])).rejects.toThrow('The site is live');
      await expect(goLive(site.db, s, { reason: 'again', ...sig })).rejects.toThrow('The site is live');

      // The CLI as the same person now files a change request instead of applying.
      writeFileSync(path.join(dir, 'first-pw'), first.password);
      const cli = await exec('node_modules/.bin/tsx', ['scripts/custos.ts', 'users', 'create', '--as', first.employeeId, '--password-file', path.join(dir, 'first-pw'), '--employee-id', 'OP-9', '--name', 'Otto Nine', '--role', 'Operator', ...IDENTITY_FLAGS, '--json'], {
        env: { ...process.env, DATABASE_URL: site.ownerUrl, APP_DATABASE_URL: site.appUrl, CUSTOS_SIGNING_KEY_FILE: site.keyFile },
      });
      const out = JSON.parse(cli.stdout);
      expect(out).toMatchObject({ applied: false, requiredApprovals: 1 });
      expect(out.changeRequest).toMatch(/^CR-\d{6}$/);
      const c2 = await site.owner();
      const [cr] = (await c2.query(`SELECT status, commissioning FROM change_requests WHERE number = $1`, [out.changeRequest])).rows;
      const none = await c2.query(`SELECT 1 FROM users WHERE employee_id = 'OP-9'`);
      await c2.end();
      expect(cr).toEqual({ status: 'submitted', commissioning: false });
      expect(none.rowCount).toBe(0);
    } finally {
      await site.drop();
    }
  });
});

describe('break-glass', () => {
  it('[11.300(d)] [11.10(e)] the database owner unlocks a locked administrator, audited naming the operator, with a security alert; the app role cannot', async () => {
    const locked = await person(['Administrator']);
    await sql(`UPDATE users SET locked_at = now(), failed_attempts = 5 WHERE id = $1`, [locked.id]);
    const args = ['users', 'unlock', '--id', locked.employeeId, '--reason', 'all administrators locked after a password-guessing attack', '--operator', 'Dana Ops'];
    const asApp = await custos(args, { DATABASE_URL: t.appUrl });
    expect(asApp.code).toBe(1);
    expect(asApp.stderr).toContain("needs the database owner's credentials");
    const noName = await custos([...args.slice(0, -1), 'dana']);
    expect(noName.code).toBe(1);
    const r = await custos(args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`BREAK-GLASS: unlocked ${locked.employeeId}`);
    const [u] = await sql(`SELECT locked_at, failed_attempts FROM users WHERE id = $1`, [locked.id]);
    expect(u).toEqual({ locked_at: null, failed_attempts: 0 });
    const [ev] = await sql(`SELECT actor_id, actor_name, new_value, reason FROM audit_events WHERE action = 'user.break_glass_unlock'`);
    expect(ev).toMatchObject({ actor_id: 'system:break-glass', actor_name: 'Break-glass by Dana Ops', new_value: { operator: 'Dana Ops', locked: false } });
    const alerts = await sql(`SELECT kind, severity, detail FROM security_alerts WHERE kind = 'break_glass'`);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', detail: { operator: 'Dana Ops', employeeId: locked.employeeId } });
    const again = await custos(args);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not locked');
  });
});
