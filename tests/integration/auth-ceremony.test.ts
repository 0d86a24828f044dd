import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateSync } from 'otplib';
import { MSG_INVALID, MSG_LOCKED, authenticate } from '@/lib/auth/authenticate';
import { confirmMfaEnrolment, startMfaEnrolment } from '@/lib/auth/enrol-mfa';
import { getSessionUser } from '@/lib/auth/get-session-user';
import { resetThrottle } from '@/lib/auth/throttle';
import { unlockSession } from '@/lib/auth/unlock-session';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('ceremony');
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(() => {
  resetThrottle();
  process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '0';
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('one credential ceremony', () => {
  it('[11.300(d)] a successful change-request signature resets the consecutive-failure count', async () => {
    const a = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
    const b = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
    const as = await sessionUser(t.db, a);
    const bs = await sessionUser(t.db, b);
    const x = await makeUser(t.db, { roles: ['Operator'] });
    const cr = await requestChange(t.db, as, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Auditor' }, reason: 'Joins the audit team' });
    const view = await getChangeRequest(t.db, bs, cr.id);
    const decide = (password: string) =>
      decideChangeRequest(t.db, bs, { id: cr.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: b.employeeId, password });
    await expect(decide('wrong password 1')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(decide('wrong password 2')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await sql('SELECT failed_attempts FROM users WHERE id = $1', [b.id]))[0].failed_attempts).toBe(2);
    expect((await decide(b.password)).status).toBe('submitted');
    // The success reset the count: one more failure later is the first, not the third.
    expect((await sql('SELECT failed_attempts, locked_at FROM users WHERE id = $1', [b.id]))[0]).toEqual({ failed_attempts: 0, locked_at: null });
    const r = await authenticate(t.db, { employeeId: b.employeeId, password: 'wrong again' });
    expect(r).toMatchObject({ code: 'INVALID' });
    expect((await sql('SELECT failed_attempts, locked_at FROM users WHERE id = $1', [b.id]))[0]).toEqual({ failed_attempts: 1, locked_at: null });
  });

  it('[11.300(d)] a wrong TOTP code at enrolment says "Wrong code", is audited and counts toward lockout', async () => {
    const a = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
    const s = await sessionUser(t.db, a);
    const { secret } = await startMfaEnrolment(t.db, s);
    const good = generateSync({ secret });
    const wrong = good === '000000' ? '111111' : '000000';
    await expect(confirmMfaEnrolment(t.db, s, wrong)).rejects.toMatchObject({ code: 'BAD_REQUEST', message: 'Wrong code' });
    const ev = await sql("SELECT action, reason, new_value FROM audit_events WHERE entity_id = $1 AND action = 'auth.mfa_enrol_failed'", [a.id]);
    expect(ev).toHaveLength(1);
    expect(ev[0].reason).toBe('wrong code at second-factor enrolment');
    expect((await sql('SELECT failed_attempts FROM users WHERE id = $1', [a.id]))[0].failed_attempts).toBe(1);
    await expect(confirmMfaEnrolment(t.db, s, wrong)).rejects.toMatchObject({ message: 'Wrong code' });
    await expect(confirmMfaEnrolment(t.db, s, wrong)).rejects.toMatchObject({ code: 'LOCKED' });
    expect((await sql('SELECT locked_at FROM users WHERE id = $1', [a.id]))[0].locked_at).not.toBeNull();
  });

  it('[11.300(d)] the idle unlock counts and resets through the same ceremony', async () => {
    const u = await makeUser(t.db);
    const s = await sessionUser(t.db, u);
    await expect(unlockSession(t.db, s.sessionId, 'wrong')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await sql('SELECT failed_attempts FROM users WHERE id = $1', [u.id]))[0].failed_attempts).toBe(1);
    await unlockSession(t.db, s.sessionId, u.password);
    expect((await sql('SELECT failed_attempts FROM users WHERE id = $1', [u.id]))[0].failed_attempts).toBe(0);
    expect((await getSessionUser(t.db, s.sessionId)).user).not.toBeNull();
  });
});

describe('no account enumeration', () => {
  it('[ASVS 6.3.8] [11.300(d)] a real and an unknown employee ID get the identical sequence of answers', async () => {
    const u = await makeUser(t.db);
    const unknown = `NOBODY-${Date.now()}`;
    const real: unknown[] = [];
    const fake: unknown[] = [];
    for (let i = 0; i < 6; i++) {
      real.push(await authenticate(t.db, { employeeId: u.employeeId, password: 'wrong guess' }));
      fake.push(await authenticate(t.db, { employeeId: unknown, password: 'wrong guess' }));
    }
    expect(fake).toEqual(real);
    expect(real.map((r) => (r as { message: string }).message)).toEqual([MSG_INVALID, MSG_INVALID, MSG_LOCKED, MSG_LOCKED, MSG_LOCKED, MSG_LOCKED]);
    // Counted per normalized ID (case and spaces do not start a new count); no user row created.
    expect(await authenticate(t.db, { employeeId: `  ${unknown.toLowerCase()} `, password: 'x' })).toEqual({ ok: false, code: 'LOCKED', message: MSG_LOCKED });
    expect(await sql('SELECT 1 FROM users WHERE lower(employee_id) = lower($1)', [unknown])).toHaveLength(0);
    expect(await sql('SELECT failed_attempts FROM unknown_sign_in_failures WHERE employee_id_norm = $1', [unknown.toLowerCase()])).toEqual([{ failed_attempts: 3 }]);
  });

  it('[ASVS 6.3.8] a disabled account answers like a locked one, even with its correct password', async () => {
    const u = await makeUser(t.db);
    await sql("UPDATE users SET status = 'disabled' WHERE id = $1", [u.id]);
    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password })).toEqual({ ok: false, code: 'LOCKED', message: MSG_LOCKED });
  });
});
