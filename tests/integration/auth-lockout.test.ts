import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MSG_INVALID, MSG_LOCKED, authenticate } from '@/lib/auth/authenticate';
import { getSessionUser } from '@/lib/auth/get-session-user';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('lockout');
});
afterAll(async () => {
  await t?.drop();
});

async function events(action: string, entityId: string) {
  const c = await t.app();
  const r = await c.query('SELECT reason, new_value FROM audit_events WHERE action = $1 AND entity_id = $2', [action, entityId]);
  await c.end();
  return r.rows;
}

describe('sign-in and lockout', () => {
  it('[11.300(d)] 200 parallel wrong attempts lock after exactly 3 and hash nothing past the lock', async () => {
    const u = await makeUser(t.db);
    const results = await Promise.all(
      Array.from({ length: 200 }, () => authenticate(t.db, { employeeId: u.employeeId, password: 'wrong password guess 1' })),
    );
    expect(results.every((r) => !r.ok)).toBe(true);
    const c = await t.app();
    const row = await c.query('SELECT failed_attempts, locked_at FROM users WHERE id = $1', [u.id]);
    const alerts = await c.query("SELECT kind FROM security_alerts WHERE user_id = $1", [u.id]);
    await c.end();
    expect(row.rows[0].failed_attempts).toBe(3);
    expect(row.rows[0].locked_at).not.toBeNull();
    // Each hashed attempt writes one auth.sign_in_failed event; refused ones hash nothing.
    expect(await events('auth.sign_in_failed', u.id)).toHaveLength(3);
    expect(await events('auth.sign_in_refused', u.id)).toHaveLength(197);
    expect(await events('user.lock', u.id)).toHaveLength(1);
    expect(alerts.rows).toEqual([{ kind: 'account_locked' }]);
  });

  it('[11.300(d)] a locked account refuses the correct password with the locked message', async () => {
    const u = await makeUser(t.db);
    for (let i = 0; i < 3; i++) await authenticate(t.db, { employeeId: u.employeeId, password: 'not the password' });
    const r = await authenticate(t.db, { employeeId: u.employeeId, password: u.password });
    expect(r).toEqual({ ok: false, code: 'LOCKED', message: MSG_LOCKED });
    expect(MSG_LOCKED).toBe('Account locked — contact an administrator');
  });

  it('[11.300(d)] success resets the counter', async () => {
    const u = await makeUser(t.db);
    await authenticate(t.db, { employeeId: u.employeeId, password: 'not the password' });
    await authenticate(t.db, { employeeId: u.employeeId, password: 'not the password' });
    expect((await authenticate(t.db, { employeeId: u.employeeId, password: u.password })).ok).toBe(true);
    const r = await authenticate(t.db, { employeeId: u.employeeId, password: 'not the password' });
    expect(r.ok).toBe(false);
    const c = await t.app();
    const row = await c.query('SELECT failed_attempts, locked_at FROM users WHERE id = $1', [u.id]);
    await c.end();
    expect(row.rows[0]).toEqual({ failed_attempts: 1, locked_at: null });
  });

  it('[11.300(a)] unknown user and wrong password get the same answer, and unknown users are audited', async () => {
    const u = await makeUser(t.db);
    const wrong = await authenticate(t.db, { employeeId: u.employeeId, password: 'not the password' });
    const unknown = await authenticate(t.db, { employeeId: 'NOBODY-1', password: 'not the password' });
    expect(unknown).toEqual(wrong);
    expect(wrong).toEqual({ ok: false, code: 'INVALID', message: MSG_INVALID });
    const c = await t.app();
    const r = await c.query("SELECT actor_id, reason FROM audit_events WHERE action = 'auth.sign_in_failed' AND actor_id = 'NOBODY-1'");
    await c.end();
    expect(r.rows).toEqual([{ actor_id: 'NOBODY-1', reason: 'unknown employee ID' }]);
  });

  it('rejects empty, over-long and non-string credentials before hashing', async () => {
    expect(await authenticate(t.db, { employeeId: '', password: 'x' })).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await authenticate(t.db, { employeeId: 'A', password: 'x'.repeat(100_000) })).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'Password is too long',
    });
    expect(await authenticate(t.db, { employeeId: ['A'], password: { a: 1 } })).toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('[11.10(d)] every sign-in creates a new session id (no fixation)', async () => {
    const u = await makeUser(t.db);
    const a = await authenticate(t.db, { employeeId: u.employeeId, password: u.password });
    const b = await authenticate(t.db, { employeeId: u.employeeId, password: u.password });
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) {
      expect(a.sessionId).not.toBe(b.sessionId);
      expect((await getSessionUser(t.db, a.sessionId)).state).toBe('ok');
    }
  });
});
