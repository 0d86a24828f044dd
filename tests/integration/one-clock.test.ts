import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { createRecord } from '@/lib/records/create-record';
import { retireRecord } from '@/lib/records/retire-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('one_clock');
});
afterAll(async () => {
  await t?.drop();
});
afterEach(() => {
  vi.useRealTimers();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

/** The application clock an hour off the database's: a stored time from it would show. */
function skewAppClock() {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() + 3_600_000);
}

describe('one clock for regulated times', () => {
  it('[11.10(e)] a retirement stores the time of its audit event, not the application clock', async () => {
    const author = await sessionUser(t.db, await makeUser(t.db, { roles: ['Operator'] }));
    const s = await sessionUser(t.db, await makeUser(t.db, { roles: ['QA Approver'] }));
    const rec = await createRecord(t.db, author, { kind: 'document', content: { title: 'SOP 1', documentNumber: 'SOP-1', revision: 'A', body: 'Text' } });
    skewAppClock();
    await retireRecord(t.db, s, { recordId: rec.id, reason: 'Superseded by SOP 2' });
    const [r] = await sql('SELECT retired_at FROM records WHERE id = $1', [rec.id]);
    const [ev] = await sql("SELECT occurred_at FROM audit_events WHERE action = 'record.retire' AND entity_id = $1", [rec.id]);
    expect(new Date(r.retired_at).getTime()).toBe(new Date(ev.occurred_at).getTime());
  });

  it('[11.10(e)] [11.50] a change-request decision and its application store the times of their audit events', async () => {
    const [a, b, c] = [
      await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' }),
      await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' }),
      await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' }),
    ];
    const [as, bs, cs] = [await sessionUser(t.db, a), await sessionUser(t.db, b), await sessionUser(t.db, c)];
    const x = await makeUser(t.db);
    const cr = await requestChange(t.db, as, { kind: 'user.assign_role', targetUserId: x.id, payload: { role: 'Auditor' }, reason: 'Joins the audit team' });
    const { payloadHash } = await getChangeRequest(t.db, bs, cr.id);
    skewAppClock();
    await decideChangeRequest(t.db, bs, { id: cr.id, decision: 'approve', payloadHash, employeeId: b.employeeId, password: b.password });
    const r = await decideChangeRequest(t.db, cs, { id: cr.id, decision: 'approve', payloadHash, employeeId: c.employeeId, password: c.password });
    expect(r.status).toBe('applied');
    const decisions = await sql('SELECT signed_at, audit_seq FROM change_request_decisions WHERE change_request_id = $1', [cr.id]);
    for (const d of decisions) {
      const [ev] = await sql('SELECT occurred_at FROM audit_events WHERE seq = $1', [d.audit_seq]);
      expect(new Date(d.signed_at).getTime()).toBe(new Date(ev.occurred_at).getTime());
    }
    const [row] = await sql('SELECT decided_at, applied_at FROM change_requests WHERE id = $1', [cr.id]);
    const [approve] = await sql("SELECT occurred_at FROM audit_events WHERE action = 'change_request.approve' AND entity_id = $1 ORDER BY seq DESC LIMIT 1", [cr.id]);
    const [apply] = await sql("SELECT occurred_at FROM audit_events WHERE action = 'change_request.apply' ORDER BY seq DESC LIMIT 1");
    expect(new Date(row.decided_at).getTime()).toBe(new Date(approve.occurred_at).getTime());
    expect(new Date(row.applied_at).getTime()).toBe(new Date(apply.occurred_at).getTime());
  });
});
