import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '@/lib/auth/authenticate';
import { requestChange } from '@/lib/change-requests/request-change';
import { listRoles } from '@/lib/rbac/list-roles';
import { getUser } from '@/lib/users/get-user';
import { listUsers } from '@/lib/users/list-users';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('admin_read');
});
afterAll(async () => {
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('administration read services', () => {
  it('lists users a page at a time, filtered by text, status and role', async () => {
    const prefix = `LU${Date.now().toString(36)}`;
    const auditor = await makeUser(t.db, { roles: ['Auditor'], prefix });
    const s = await sessionUser(t.db, auditor);
    const ops = await Promise.all([1, 2, 3].map(() => makeUser(t.db, { roles: ['Operator'], prefix })));
    await sql('UPDATE users SET locked_at = now() WHERE id = $1', [ops[0].id]);
    await sql("UPDATE users SET status = 'disabled' WHERE id = $1", [ops[1].id]);

    const all = await listUsers(t.db, s, { q: prefix.toLowerCase(), pageSize: 5 });
    expect(all.total).toBe(4);
    expect(all.items.map((u) => u.employeeId)).toEqual([auditor, ...ops].map((u) => u.employeeId).sort());
    expect(all.roleNames).toEqual(expect.arrayContaining(['Administrator', 'Auditor', 'Operator']));

    const page2 = await listUsers(t.db, s, { q: prefix, pageSize: 5, page: 2 });
    expect(page2).toMatchObject({ total: 4, items: [] });

    const locked = await listUsers(t.db, s, { q: prefix, status: 'locked' });
    expect(locked.items).toEqual([expect.objectContaining({ id: ops[0].id, locked: true, roles: ['Operator'] })]);
    const disabled = await listUsers(t.db, s, { q: prefix, status: 'disabled' });
    expect(disabled.items.map((u) => [u.id, u.status])).toEqual([[ops[1].id, 'disabled']]);
    const active = await listUsers(t.db, s, { q: prefix, status: 'active' });
    expect(active.items.map((u) => u.id).sort()).toEqual([auditor.id, ops[2].id].sort());

    const byRole = await listUsers(t.db, s, { q: prefix, role: 'Auditor' });
    expect(byRole.items).toEqual([expect.objectContaining({ id: auditor.id, roles: ['Auditor'], lastSignInAt: expect.any(String) })]);
  });

  it('sorts by last sign-in with never-signed-in users last, and refuses unknown filters', async () => {
    const prefix = `LS${Date.now().toString(36)}`;
    const a = await makeUser(t.db, { roles: ['Auditor'], prefix });
    const s = await sessionUser(t.db, a);
    const never = await makeUser(t.db, { prefix });
    const rows = await listUsers(t.db, s, { q: prefix, sort: 'lastSignIn', dir: 'desc' });
    expect(rows.items.map((u) => u.id)).toEqual([a.id, never.id]);
    await expect(listUsers(t.db, s, { status: 'asleep' })).rejects.toMatchObject({ code: 'BAD_REQUEST', fields: { status: expect.any(String) } });
  });

  it('refuses users and roles to someone without users.read or roles.read', async () => {
    const op = await makeUser(t.db, { roles: ['Operator'] });
    const s = await sessionUser(t.db, op);
    await expect(listUsers(t.db, s, {})).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You do not have the permission users.read' });
    await expect(getUser(t.db, s, op.id)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(listRoles(t.db, s)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'You do not have the permission roles.read' });
  });

  it('shows one user with open sessions, pending change requests and audit events, newest first', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const as = await sessionUser(t.db, admin);
    const x = await makeUser(t.db);
    await sessionUser(t.db, x);
    await sessionUser(t.db, x);
    expect((await authenticate(t.db, { employeeId: x.employeeId, password: 'not the password 1' })).ok).toBe(false);
    const cr = await requestChange(t.db, as, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Auditor' }, reason: 'Joins the audit team' });

    const view = await getUser(t.db, as, x.id);
    expect(view).toMatchObject({ id: x.id, employeeId: x.employeeId, status: 'active', locked: false, roles: ['Operator'], openSessions: 2 });
    expect(view.allRoles).toContain('Auditor');
    expect(view.pendingRequests).toEqual([expect.objectContaining({ id: cr.id, number: cr.number, kind: 'user.assign_role', kindLabel: 'Assign role', approvals: '0 of 2' })]);
    expect(view.audit.map((e) => e.action)).toEqual(['auth.sign_in_failed', 'user.create']);
    expect(BigInt(view.audit[0].seq)).toBeGreaterThan(BigInt(view.audit[1].seq));

    await expect(getUser(t.db, as, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(getUser(t.db, as, 'not-a-uuid')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists roles with sorted permissions, user counts and pending requests', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const as = await sessionUser(t.db, admin);
    const before = await listRoles(t.db, as);
    const auditor = before.find((r) => r.name === 'Auditor')!;
    expect(before.slice(0, 5).every((r) => r.builtIn)).toBe(true);
    expect(auditor.permissions).toEqual([...auditor.permissions].sort());
    expect(auditor.permissions).toContain('users.read');

    await makeUser(t.db, { roles: ['Auditor'] });
    await requestChange(t.db, as, { kind: 'role.update_permissions', targetRoleId: auditor.id, payload: { permissions: ['audit.read'] }, reason: 'Narrow the auditor role' });
    const after = (await listRoles(t.db, as)).find((r) => r.name === 'Auditor')!;
    expect(after.userCount).toBe(auditor.userCount + 1);
    expect(after.pendingRequests).toBe(auditor.pendingRequests + 1);
  });
});
