import { describe, expect, it } from 'vitest';
import { evaluateSession, idleDeadline, mayRecordActivity } from '@/lib/auth/session-rules';

const t0 = new Date('2026-11-21T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const session = { revokedAt: null, absoluteExpiresAt: at(12 * 3600), lastActivityAt: t0, idleTimeoutS: 120, mfaPending: false };
const user = { status: 'active', lockedAt: null, mustChangePassword: false, passwordChangedAt: t0, passwordExpires: true };
const cfg = { passwordExpiryDays: 90 };

describe('session rules', () => {
  it('[11.300(d)] locks at the idle deadline, not before', () => {
    expect(idleDeadline(session)).toEqual(at(120));
    expect(evaluateSession(session, user, at(119), cfg)).toBe('ok');
    expect(evaluateSession(session, user, at(120), cfg)).toBe('idle_locked');
  });

  it('[11.300(d)] activity after the deadline no longer extends the session', () => {
    expect(mayRecordActivity(session, at(60))).toBe(true);
    expect(mayRecordActivity(session, at(121))).toBe(false);
    expect(mayRecordActivity({ ...session, revokedAt: at(1) }, at(2))).toBe(false);
  });

  it('[11.10(d)] the hardest stop wins: revoked, expired, disabled, locked before idle and password states', () => {
    expect(evaluateSession({ ...session, revokedAt: at(1) }, { ...user, status: 'disabled' }, at(500), cfg)).toBe('revoked');
    expect(evaluateSession(session, user, at(12 * 3600), cfg)).toBe('expired');
    expect(evaluateSession(session, { ...user, status: 'disabled' }, at(500), cfg)).toBe('user_disabled');
    expect(evaluateSession(session, { ...user, lockedAt: at(1) }, at(10), cfg)).toBe('user_locked');
    expect(evaluateSession(null, user, at(1), cfg)).toBe('missing');
  });

  it('[11.300(b)] expired passwords and forced changes allow only the change page; 0 days means no expiry', () => {
    expect(evaluateSession(session, { ...user, mustChangePassword: true }, at(1), cfg)).toBe('must_change_password');
    const old = { ...user, passwordChangedAt: new Date(t0.getTime() - 91 * 86_400_000) };
    expect(evaluateSession(session, old, at(1), cfg)).toBe('password_expired');
    expect(evaluateSession(session, old, at(1), { passwordExpiryDays: 0 })).toBe('ok');
    expect(evaluateSession({ ...session, mfaPending: true }, user, at(1), cfg)).toBe('mfa_pending');
  });
});
