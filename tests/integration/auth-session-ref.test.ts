import { encode } from 'next-auth/jwt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate } from '@/lib/auth/authenticate';
import { getSessionUser } from '@/lib/auth/get-session-user';
import { SESSION_COOKIE, authOptions, sessionIdFromCookies } from '@/lib/auth/next-auth-options';
import { publicSession } from '@/lib/auth/public-session';
import { sessionRef } from '@/lib/auth/session-ref';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  process.env.NEXTAUTH_SECRET ??= 'test-secret-for-session-reference-tests-0123456789';
  process.env.NEXTAUTH_URL ??= 'http://127.0.0.1:3000';
  t = await createTestDatabase('session_ref');
});
afterAll(async () => {
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

async function cookieFor(sid: string) {
  return `other=1; ${SESSION_COOKIE}=${await encode({ token: { sid }, secret: process.env.NEXTAUTH_SECRET! })}`;
}

describe('sessions', () => {
  it('[ASVS 7.2.4] [11.10(d)] a sign-in in a browser holding a session cookie ends that older session', async () => {
    const u = await makeUser(t.db);
    const v = await makeUser(t.db);
    const first = await authenticate(t.db, { employeeId: u.employeeId, password: u.password });
    if (!first.ok) throw new Error('sign-in failed');
    const replaces = await sessionIdFromCookies(await cookieFor(first.sessionId));
    expect(replaces).toBe(first.sessionId);
    const second = await authenticate(t.db, { employeeId: v.employeeId, password: v.password }, { replacesSessionId: replaces });
    if (!second.ok) throw new Error('sign-in failed');
    expect((await getSessionUser(t.db, first.sessionId)).state).toBe('revoked');
    expect((await getSessionUser(t.db, second.sessionId)).state).toBe('ok');
    const out = await sql("SELECT reason, session_id FROM audit_events WHERE action = 'auth.sign_out' AND actor_id = $1", [u.employeeId]);
    expect(out).toEqual([{ reason: 'replaced by a new sign-in in the same browser', session_id: sessionRef(first.sessionId) }]);
    // A forged or foreign cookie names nothing.
    expect(await sessionIdFromCookies(`${SESSION_COOKIE}=not-a-jwt`)).toBeNull();
  });

  it('[ASVS 7.4] [11.10(e)] the audit trail holds a 16-hex session reference, never the raw session id', async () => {
    const u = await makeUser(t.db);
    const r = await authenticate(t.db, { employeeId: u.employeeId, password: u.password }, { ip: '198.51.100.7', userAgent: 'Test agent 1.0' });
    if (!r.ok) throw new Error('sign-in failed');
    const ref = sessionRef(r.sessionId);
    expect(ref).toMatch(/^[0-9a-f]{16}$/);
    expect(await sql('SELECT 1 FROM audit_events WHERE session_id = $1 OR entity_id = $1 OR canonical LIKE $2', [r.sessionId, `%${r.sessionId.slice(0, 12)}%`])).toHaveLength(0);
    const ev = await sql("SELECT session_id, entity_id, new_value FROM audit_events WHERE action = 'auth.sign_in' AND actor_id = $1", [u.employeeId]);
    expect(ev[0]).toMatchObject({ session_id: ref, entity_id: ref });
    // Seed 003: the address and client of the session are in the sign-in event.
    expect(ev[0].new_value).toMatchObject({ ip: '198.51.100.7', userAgent: 'Test agent 1.0' });
  });

  it('[ASVS 7.4] GET /api/auth/session does not hand the session id to page JavaScript', async () => {
    const sid = 'x'.repeat(43);
    // What next-auth's session callback produces (the server needs the id) and what the route answers.
    const body = await authOptions().callbacks!.session!({ session: { expires: '2030-01-01T00:00:00.000Z' }, token: { sid } } as never);
    expect(JSON.stringify(body)).toContain(sid);
    expect(JSON.stringify(publicSession(body))).not.toContain(sid);
    expect(publicSession(body)).toEqual({ expires: '2030-01-01T00:00:00.000Z' });
  });
});
