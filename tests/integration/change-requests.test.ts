import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSessionUser } from '@/lib/auth/get-session-user';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest, revealChangeSecret } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';
import { authenticate } from '@/lib/auth/authenticate';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('change_requests');
});
afterAll(async () => {
  await t?.drop();
});

async function admin() {
  const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
  return { ...u, s: await sessionUser(t.db, u) };
}

type TAdmin = Awaited<ReturnType<typeof admin>>;

async function decide(a: TAdmin, id: string, decision: 'approve' | 'reject', extra: Record<string, unknown> = {}) {
  const cr = await getChangeRequest(t.db, a.s, id);
  return decideChangeRequest(t.db, a.s, { id, decision, payloadHash: cr.payloadHash, employeeId: a.employeeId, password: a.password, ...extra });
}

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('four-eyes change requests', () => {
  it('[4-eyes] a role assignment needs two distinct approvers and then takes effect on the next request', async () => {
    const [a, b, c] = [await admin(), await admin(), await admin()];
    const x = await makeUser(t.db, { roles: ['Operator'] });
    const xs = await sessionUser(t.db, x);
    expect(xs.permissions.has('audit.read')).toBe(false);
    const cr = await requestChange(t.db, a.s, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Auditor' }, reason: 'Joins the audit team' });
    expect(cr.requiredApprovals).toBe(2);
    await expect(decide(a, cr.id, 'approve')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Requester cannot approve' });
    expect((await decide(b, cr.id, 'approve')).status).toBe('submitted');
    await expect(decide(b, cr.id, 'approve')).rejects.toThrow('already decided on this request');
    expect((await decide(c, cr.id, 'approve')).status).toBe('applied');
    expect((await getSessionUser(t.db, xs.sessionId)).user!.permissions.has('audit.read')).toBe(true);
    const view = await getChangeRequest(t.db, a.s, cr.id);
    expect(view.decisions.map((d) => [d.meaning, d.printedName])).toEqual([
      ['APPROVAL', b.s.displayName],
      ['APPROVAL', c.s.displayName],
    ]);
    expect(view.audit.map((e) => e.action)).toEqual(['change_request.submit', 'change_request.refused', 'change_request.approve', 'change_request.refused', 'change_request.approve']);
  });

  it('[4-eyes] self-approval is refused at the service even when the UI is bypassed, and audited', async () => {
    const a = await admin();
    const x = await makeUser(t.db);
    const cr = await requestChange(t.db, a.s, { kind: 'user.disable', targetUserId: x.id, reason: 'Left the company' });
    await expect(
      decideChangeRequest(t.db, a.s, { id: cr.id, decision: 'approve', payloadHash: 'f'.repeat(64), employeeId: a.employeeId, password: a.password }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Requester cannot approve' });
    const ev = await sql("SELECT actor_id, reason FROM audit_events WHERE action = 'change_request.refused' AND entity_id = $1", [cr.id]);
    expect(ev).toEqual([{ actor_id: a.employeeId, reason: 'Requester cannot approve' }]);
  });

  it('[4-eyes] an administrator cannot approve a change to their own account', async () => {
    const [a, b] = [await admin(), await admin()];
    const cr = await requestChange(t.db, a.s, { kind: 'user.update', targetUserId: b.id, payload: { displayName: 'B. Renamed' }, reason: 'Name change' });
    await expect(decide(b, cr.id, 'approve')).rejects.toThrow('change to their own account');
  });

  it('[11.10(f)] 20 concurrent approvals on one request: exactly one transition, the others are told it is decided', async () => {
    const a = await admin();
    const approvers = await Promise.all(Array.from({ length: 20 }, () => admin()));
    const x = await makeUser(t.db);
    const cr = await requestChange(t.db, a.s, { kind: 'user.update', targetUserId: x.id, payload: { email: 'x@example.com' }, reason: 'Email for alerts' });
    const hash = (await getChangeRequest(t.db, a.s, cr.id)).payloadHash;
    const results = await Promise.allSettled(
      approvers.map((p) => decideChangeRequest(t.db, p.s, { id: cr.id, decision: 'approve', payloadHash: hash, employeeId: p.employeeId, password: p.password })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[]) {
      expect(String(r.reason)).toMatch(/already decided/);
    }
    const d = await sql('SELECT count(*)::int AS n FROM change_request_decisions WHERE change_request_id = $1', [cr.id]);
    expect(d[0].n).toBe(1);
    const u = await sql('SELECT email FROM users WHERE id = $1', [x.id]);
    expect(u[0].email).toBe('x@example.com');
  });

  it('[4-eyes] a stale request is not applied: the target changed after submission', async () => {
    const [a, b] = [await admin(), await admin()];
    const x = await makeUser(t.db);
    const cr = await requestChange(t.db, a.s, { kind: 'user.update', targetUserId: x.id, payload: { displayName: 'New Name' }, reason: 'Marriage' });
    await sql("UPDATE users SET email = 'changed@example.com' WHERE id = $1", [x.id]);
    const r = await decide(b, cr.id, 'approve');
    expect(r.status).toBe('failed');
    expect(r.failureReason).toMatch(/changed since the request was submitted/);
    const u = await sql('SELECT display_name FROM users WHERE id = $1', [x.id]);
    expect(u[0].display_name).not.toBe('New Name');
  });

  it('refuses unknown roles and permissions with 400, and a rejection needs a reason', async () => {
    const [a, b] = [await admin(), await admin()];
    const x = await makeUser(t.db);
    await expect(requestChange(t.db, a.s, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Wizard' }, reason: 'x y z' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Unknown role: Wizard',
    });
    await expect(requestChange(t.db, a.s, { kind: 'role.create', payload: { name: 'R', permissions: ['records.fly'] }, reason: 'x y z' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Unknown permission: records.fly',
    });
    await expect(requestChange(t.db, a.s, { kind: 'user.frobnicate', reason: 'x y z' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const cr = await requestChange(t.db, a.s, { kind: 'user.disable', targetUserId: x.id, reason: 'Left' });
    await expect(decide(b, cr.id, 'reject')).rejects.toThrow('A rejection needs a reason');
    expect((await decide(b, cr.id, 'reject', { reason: 'Still employed' })).status).toBe('rejected');
  });

  it('[11.300(c)] disabling through change control revokes live sessions; a reset hands a one-time password to the requester once', async () => {
    const [a, b] = [await admin(), await admin()];
    const x = await makeUser(t.db);
    const xs = await sessionUser(t.db, x);
    const reset = await requestChange(t.db, a.s, { kind: 'user.reset_password', targetUserId: x.id, reason: 'Forgot password' });
    await decide(b, reset.id, 'approve');
    const temp = await revealChangeSecret(t.db, a.s, reset.id);
    await expect(revealChangeSecret(t.db, a.s, reset.id)).rejects.toThrow('already shown');
    expect((await getSessionUser(t.db, xs.sessionId)).state).toBe('revoked');
    const signIn = await authenticate(t.db, { employeeId: x.employeeId, password: temp });
    expect(signIn.ok).toBe(true);
    if (signIn.ok) expect((await getSessionUser(t.db, signIn.sessionId)).state).toBe('must_change_password');
    const xs2 = signIn.ok ? signIn.sessionId : '';
    const dis = await requestChange(t.db, a.s, { kind: 'user.disable', targetUserId: x.id, reason: 'Left' });
    await decide(b, dis.id, 'approve');
    expect((await getSessionUser(t.db, xs2)).state).toBe('revoked');
  });
});
