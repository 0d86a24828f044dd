import { generateSync } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '@/lib/auth/authenticate';
import { changePassword } from '@/lib/auth/change-password';
import { confirmMfaEnrolment, startMfaEnrolment } from '@/lib/auth/enrol-mfa';
import { getSessionUser } from '@/lib/auth/get-session-user';
import { recordActivity } from '@/lib/auth/record-activity';
import { revokeSession } from '@/lib/auth/revoke-session';
import { unlockSession } from '@/lib/auth/unlock-session';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('sessions');
});
afterAll(async () => {
  await t?.drop();
});

async function signIn(employeeId: string, password: string, otp?: string) {
  const r = await authenticate(t.db, { employeeId, password, otp });
  if (!r.ok) throw new Error(`sign-in failed: ${r.message}`);
  return r.sessionId;
}

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('sessions', () => {
  it('[11.300(c)] disabling a user refuses the next request of a live session', async () => {
    const u = await makeUser(t.db);
    const sid = await signIn(u.employeeId, u.password);
    expect((await getSessionUser(t.db, sid)).state).toBe('ok');
    await sql("UPDATE users SET status = 'disabled' WHERE id = $1", [u.id]);
    expect((await getSessionUser(t.db, sid)).state).toBe('user_disabled');
  });

  it('[11.10(d)] a revoked session (sign-out) gets nothing, and unknown or malformed ids read as signed out', async () => {
    const u = await makeUser(t.db);
    const sid = await signIn(u.employeeId, u.password);
    expect(await revokeSession(t.db, sid, 'signed out')).toBe(true);
    expect((await getSessionUser(t.db, sid)).state).toBe('revoked');
    expect((await getSessionUser(t.db, 'no-such-session')).state).toBe('missing');
    expect((await getSessionUser(t.db, 'x'.repeat(5000))).state).toBe('missing');
  });

  it('[11.300(b)] an expired password allows only the change-password page; 0 days means no expiry', async () => {
    const u = await makeUser(t.db);
    const sid = await signIn(u.employeeId, u.password);
    await sql("UPDATE users SET password_changed_at = now() - interval '91 days' WHERE id = $1", [u.id]);
    expect((await getSessionUser(t.db, sid)).state).toBe('password_expired');
    process.env.CUSTOS_PASSWORD_EXPIRY_DAYS = '0';
    try {
      expect((await getSessionUser(t.db, sid)).state).toBe('ok');
    } finally {
      delete process.env.CUSTOS_PASSWORD_EXPIRY_DAYS;
    }
  });

  it('[11.300(d)] past the idle deadline activity no longer extends the session; the password unlocks it', async () => {
    const u = await makeUser(t.db);
    const sid = await signIn(u.employeeId, u.password);
    expect(await recordActivity(t.db, sid)).not.toBeNull();
    await sql("UPDATE sessions SET last_activity_at = now() - interval '121 seconds' WHERE id = $1", [sid]);
    expect((await getSessionUser(t.db, sid)).state).toBe('idle_locked');
    expect(await recordActivity(t.db, sid)).toBeNull();
    expect((await getSessionUser(t.db, sid)).state).toBe('idle_locked');
    await expect(unlockSession(t.db, sid, 'wrong password here')).rejects.toThrow('Wrong password');
    const failed = await sql('SELECT failed_attempts FROM users WHERE id = $1', [u.id]);
    expect(failed[0].failed_attempts).toBe(1);
    await unlockSession(t.db, sid, u.password);
    expect((await getSessionUser(t.db, sid)).state).toBe('ok');
  });

  it('[11.300(d)] wrong unlock passwords count toward lockout and end the session at the threshold', async () => {
    const u = await makeUser(t.db);
    const sid = await signIn(u.employeeId, u.password);
    await sql("UPDATE sessions SET last_activity_at = now() - interval '1 hour' WHERE id = $1", [sid]);
    for (let i = 0; i < 2; i++) await expect(unlockSession(t.db, sid, 'nope nope nope')).rejects.toThrow('Wrong password');
    await expect(unlockSession(t.db, sid, 'nope nope nope')).rejects.toThrow('Account locked');
    expect((await getSessionUser(t.db, sid)).state).toBe('revoked');
  });

  it('[11.300(b)] first sign-in forces a change; the new password must follow the policy and not repeat the last ones', async () => {
    const u = await makeUser(t.db, { mustChangePassword: true });
    const sid = await signIn(u.employeeId, u.password);
    const lookup = await getSessionUser(t.db, sid);
    expect(lookup.state).toBe('must_change_password');
    const user = lookup.user!;
    await expect(changePassword(t.db, user, { current: u.password, next: 'short', confirm: 'short' })).rejects.toThrow('at least 12');
    await expect(
      changePassword(t.db, user, { current: u.password, next: 'password123456', confirm: 'password123456' }),
    ).rejects.toThrow('commonly used');
    await expect(changePassword(t.db, user, { current: u.password, next: u.password, confirm: u.password })).rejects.toThrow(
      'not used for your last 5',
    );
    await expect(
      changePassword(t.db, user, { current: 'wrong current pw', next: 'amber falcon meadow 71', confirm: 'amber falcon meadow 71' }),
    ).rejects.toThrow('Current password is wrong');
    await changePassword(t.db, user, { current: u.password, next: 'amber falcon meadow 71', confirm: 'amber falcon meadow 71' });
    expect((await getSessionUser(t.db, sid)).state).toBe('ok');
    // The old password is now in the history.
    await expect(
      changePassword(t.db, user, { current: 'amber falcon meadow 71', next: u.password, confirm: u.password }),
    ).rejects.toThrow('not used for your last 5');
    const ev = await sql("SELECT count(*)::int AS n FROM audit_events WHERE action = 'user.password_change' AND entity_id = $1", [u.id]);
    expect(ev[0].n).toBe(1);
  });

  it('[URS 4.2] administrators enrol TOTP, then need a code (or a one-time recovery code) to sign in', async () => {
    const u = await makeUser(t.db, { roles: ['Administrator'] });
    const sid = await signIn(u.employeeId, u.password);
    const lookup = await getSessionUser(t.db, sid);
    expect(lookup.state).toBe('mfa_pending');
    const { secret, uri } = await startMfaEnrolment(t.db, lookup.user!);
    expect(uri).toMatch(/^otpauth:\/\/totp\/Custos:/);
    await expect(confirmMfaEnrolment(t.db, lookup.user!, '000000')).rejects.toThrow('Wrong code');
    const { recoveryCodes } = await confirmMfaEnrolment(t.db, lookup.user!, generateSync({ secret }));
    expect(recoveryCodes).toHaveLength(10);
    expect((await getSessionUser(t.db, sid)).state).toBe('ok');

    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password })).toMatchObject({ code: 'MFA_REQUIRED' });
    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password, otp: '123456' })).toMatchObject({
      code: 'MFA_INVALID',
    });
    const code = generateSync({ secret });
    const ok = await authenticate(t.db, { employeeId: u.employeeId, password: u.password, otp: code });
    expect(ok.ok).toBe(true);
    // RFC 6238 §5.2: the same code is not accepted twice.
    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password, otp: code })).toMatchObject({ code: 'MFA_INVALID' });
    expect((await authenticate(t.db, { employeeId: u.employeeId, password: u.password, otp: recoveryCodes[0] })).ok).toBe(true);
    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password, otp: recoveryCodes[0] })).toMatchObject({
      code: 'MFA_INVALID',
    });
    const stored = await sql('SELECT mfa_secret_enc FROM users WHERE id = $1', [u.id]);
    expect(stored[0].mfa_secret_enc).not.toContain(secret);
  });
});
