import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestChange } from '@/lib/change-requests/request-change';
import { startChangeRequestExpiry } from '@/lib/change-requests/start-expiry-schedule';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('cr_expiry');
});
afterAll(async () => {
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('change requests expire on a timer', () => {
  it('[Annex 11 §10] [11.10(e)] the worker timer expires an overdue request with a shifted clock, audited by the system, its time that of the event', async () => {
    const a = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
    const as = await sessionUser(t.db, a);
    const x = await makeUser(t.db);
    const due = await requestChange(t.db, as, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Auditor' }, reason: 'Joins the audit team' });
    const lines: string[] = [];
    // Today nothing is due; 8 days on (the default deadline is 7) it is.
    const today = startChangeRequestExpiry(t.db, { env: { CUSTOS_CR_EXPIRY_CHECK_S: '1' }, log: (l) => lines.push(l) });
    await new Promise((r) => setTimeout(r, 1500));
    await today.stop();
    expect((await sql('SELECT status FROM change_requests WHERE id = $1', [due.id]))[0].status).toBe('submitted');
    const shifted = startChangeRequestExpiry(t.db, { env: { CUSTOS_CR_EXPIRY_CHECK_S: '1' }, log: (l) => lines.push(l), clock: () => new Date(Date.now() + 8 * 86_400_000) });
    for (let i = 0; i < 50; i++) {
      if ((await sql('SELECT status FROM change_requests WHERE id = $1', [due.id]))[0].status === 'expired') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    await shifted.stop();
    const [row] = await sql('SELECT status, decided_at FROM change_requests WHERE id = $1', [due.id]);
    expect(row.status).toBe('expired');
    const ev = await sql("SELECT actor_type, actor_id, occurred_at FROM audit_events WHERE action = 'change_request.expire' AND entity_id = $1", [due.id]);
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ actor_type: 'system', actor_id: 'system:change-control' });
    expect(new Date(row.decided_at).getTime()).toBe(new Date(ev[0].occurred_at).getTime());
    expect(lines).toContain('change requests: 1 expired');
  });
});
