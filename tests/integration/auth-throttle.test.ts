import { NextRequest } from 'next/server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { POST } from '@/app/api/auth/[...nextauth]/route';
import { authenticate } from '@/lib/auth/authenticate';
import type * as TPasswordHash from '@/lib/auth/password-hash';
import { verifyPassword } from '@/lib/auth/password-hash';
import { hitThrottle, resetThrottle, throttleKeys } from '@/lib/auth/throttle';
import { unlockSession } from '@/lib/auth/unlock-session';
import { signRecord } from '@/lib/esign/sign-record';
import { toErrorResponse } from '@/lib/http/error-response';
import { createRecord } from '@/lib/records/create-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// Counts the hashes computed (the real function runs).
vi.mock('@/lib/auth/password-hash', async (importOriginal) => {
  const m = await importOriginal<typeof TPasswordHash>();
  return { ...m, verifyPassword: vi.fn(m.verifyPassword) };
});

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('throttle');
});
afterAll(async () => {
  await t?.drop();
});
beforeEach(() => {
  resetThrottle();
  process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '10';
  process.env.CUSTOS_LOCKOUT_THRESHOLD = '1000';
});
afterEach(() => {
  process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '0';
  delete process.env.CUSTOS_LOCKOUT_THRESHOLD;
  delete process.env.CUSTOS_LOCKOUT_MINUTES;
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

const hashes = () => vi.mocked(verifyPassword).mock.calls.length;

describe('rate limit in front of the lockout', () => {
  it('[ASVS 2.2.1] [11.300(d)] past 10 attempts a minute for one employee ID sign-in is refused with Retry-After and computes no hash', async () => {
    const u = await makeUser(t.db);
    const before = hashes();
    const results = [];
    for (let i = 0; i < 30; i++) results.push(await authenticate(t.db, { employeeId: u.employeeId, password: `guess ${i}` }));
    const throttled = results.filter((r) => !r.ok && r.code === 'THROTTLED');
    expect(throttled).toHaveLength(20);
    expect(hashes() - before).toBe(10);
    for (const r of throttled) expect(r).toMatchObject({ retryAfterS: expect.any(Number) });
    expect((throttled[0] as { retryAfterS: number }).retryAfterS).toBeGreaterThan(0);
    expect((throttled[0] as { retryAfterS: number }).retryAfterS).toBeLessThanOrEqual(60);
    // Only the 10 hashed attempts reached the trail and the counter.
    expect(await sql("SELECT 1 FROM audit_events WHERE action = 'auth.sign_in_failed' AND entity_id = $1", [u.id])).toHaveLength(10);
    console.log(`429 rate at 10/min, 30 attempts on one ID: ${throttled.length}/30 = ${((throttled.length / 30) * 100).toFixed(1)} %`);
  });

  it('[ASVS 2.2.1] one source address is limited across employee IDs', async () => {
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await authenticate(t.db, { employeeId: `NOBODY-IP-${i}`, password: 'x' }, { ip: '203.0.113.9' }));
    expect(results.slice(0, 10).every((r) => !r.ok && r.code !== 'THROTTLED')).toBe(true);
    expect(results.slice(10).map((r) => !r.ok && r.code)).toEqual(['THROTTLED', 'THROTTLED']);
    // Another address is not affected.
    expect(await authenticate(t.db, { employeeId: 'NOBODY-IP-X', password: 'x' }, { ip: '203.0.113.10' })).toMatchObject({ code: 'INVALID' });
  });

  it('[ASVS 2.2.1] the sign-in route answers 429 with Retry-After past the rate, before next-auth', async () => {
    for (let i = 0; i < 10; i++) hitThrottle(throttleKeys({ employeeId: 'rate-one' }), 10);
    const r = await POST(
      new NextRequest('http://127.0.0.1:3000/api/auth/callback/credentials', {
        method: 'POST',
        body: 'employeeId=RATE-ONE&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
      { params: Promise.resolve({ nextauth: ['callback', 'credentials'] }) },
    );
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await r.json()).error.code).toBe('RATE_LIMITED');
  });

  it('[ASVS 2.2.1] idle unlock past the rate is a 429 with Retry-After, unhashed', async () => {
    process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '2';
    const u = await makeUser(t.db);
    const s = await sessionUser(t.db, u);
    resetThrottle();
    await expect(unlockSession(t.db, s.sessionId, 'wrong 1')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(unlockSession(t.db, s.sessionId, 'wrong 2')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const before = hashes();
    const e = await unlockSession(t.db, s.sessionId, u.password).catch((x: unknown) => x);
    expect(hashes()).toBe(before);
    const res = toErrorResponse(e);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('[ASVS 2.2.1] [11.200(a)] signing past the rate is a 429 with Retry-After, unhashed', async () => {
    process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '2';
    const author = await makeUser(t.db);
    const s = await sessionUser(t.db, author);
    resetThrottle();
    const rec = await createRecord(t.db, s, { kind: 'document', content: { title: 'SOP 9', documentNumber: 'SOP-9', revision: 'A', body: 'Text' } });
    const sign = (password: string) => signRecord(t.db, s, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password });
    await expect(sign('wrong 1')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(sign('wrong 2')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    const before = hashes();
    const e = await sign(author.password).catch((x: unknown) => x);
    expect(hashes()).toBe(before);
    const res = toErrorResponse(e);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('[11.300(d)] CUSTOS_LOCKOUT_MINUTES releases a lock after that time, audited as a system action; 0 keeps it', async () => {
    process.env.CUSTOS_AUTH_RATE_PER_MINUTE = '0';
    process.env.CUSTOS_LOCKOUT_THRESHOLD = '3';
    const u = await makeUser(t.db);
    for (let i = 0; i < 3; i++) await authenticate(t.db, { employeeId: u.employeeId, password: 'nope' });
    await sql("UPDATE users SET locked_at = now() - interval '20 minutes' WHERE id = $1", [u.id]);
    expect(await authenticate(t.db, { employeeId: u.employeeId, password: u.password })).toMatchObject({ code: 'LOCKED' });
    process.env.CUSTOS_LOCKOUT_MINUTES = '15';
    expect((await authenticate(t.db, { employeeId: u.employeeId, password: u.password })).ok).toBe(true);
    const ev = await sql("SELECT actor_type, actor_id, reason FROM audit_events WHERE action = 'user.unlock' AND entity_id = $1", [u.id]);
    expect(ev).toEqual([{ actor_type: 'system', actor_id: 'system:lockout', reason: 'automatic unlock after 15 minutes (CUSTOS_LOCKOUT_MINUTES)' }]);
  });
});
