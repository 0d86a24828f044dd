import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeReview, getReview, markSeen, openReview } from '@/lib/audit-review/audit-review';
import { checkReviewOverdue } from '@/lib/audit-review/check-review-overdue';
import { authenticate } from '@/lib/auth/authenticate';
import { createRecord } from '@/lib/records/create-record';
import { editRecord } from '@/lib/records/edit-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// Annex 11 §9: the audit trail is regularly reviewed — by someone who is not in it.

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('audit_review');
});
afterAll(async () => {
  await t?.drop();
});

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('periodic audit-trail review', () => {
  it('[Annex 11 §9] a review lists what needs a look; its own actor may not review; every listed event is marked before the REVIEW signature closes it', async () => {
    const from = new Date(Date.now() - 60_000);
    const op = await makeUser(t.db, { roles: ['Operator'] });
    const involved = await makeUser(t.db, { roles: ['QA Reviewer'] });
    const reviewer = await makeUser(t.db, { roles: ['QA Reviewer'] });
    const opS = await sessionUser(t.db, op);
    const involvedS = await sessionUser(t.db, involved);
    const reviewerS = await sessionUser(t.db, reviewer);
    // Listed: a failed sign-in of the involved reviewer, and an edit with a reason.
    expect((await authenticate(t.db, { employeeId: involved.employeeId, password: 'not it at all 1' })).ok).toBe(false);
    const content = { title: 'Batch R', product: 'P', batchNumber: 'B-R', quantity: '1', unit: 'kg', manufacturedOn: '2026-11-30', notes: '' };
    const rec = await createRecord(t.db, opS, { kind: 'batch_record', content });
    await editRecord(t.db, opS, { recordId: rec.id, baseVersion: 1, reason: 'Quantity recounted', content: { ...content, quantity: '2' } });
    await new Promise((r) => setTimeout(r, 20));
    const to = new Date();

    await expect(openReview(t.db, involvedS, { from, to })).rejects.toThrow(/You are the actor of 1 listed event\(s\) in this period \(first: seq \d+, auth\.sign_in_failed\)/);
    await expect(openReview(t.db, opS, { from, to })).rejects.toThrow('You do not have the permission audit.review');
    await expect(openReview(t.db, reviewerS, { from: to, to: from })).rejects.toThrow('The period must end after it starts');

    const r = await openReview(t.db, reviewerS, { from, to });
    const view = await getReview(t.db, reviewerS, r.id);
    expect(view.items.map((i) => i.action)).toEqual(['auth.sign_in_failed', 'record.edit']);
    expect(view.unseen).toBe(2);

    const sign = { id: r.id, finding: 'observation', findingText: 'One failed sign-in; the edit is explained', employeeId: reviewer.employeeId, password: reviewer.password };
    await expect(closeReview(t.db, reviewerS, sign)).rejects.toThrow('2 listed event(s) are not marked seen yet');
    await markSeen(t.db, reviewerS, { id: r.id, seqs: [view.items[0].seq.toString()] });
    await expect(closeReview(t.db, reviewerS, sign)).rejects.toThrow('1 listed event(s) are not marked seen yet');
    await markSeen(t.db, reviewerS, { id: r.id, seqs: [view.items[1].seq.toString()] });
    await expect(closeReview(t.db, reviewerS, { ...sign, findingText: '' })).rejects.toThrow('Describe the observation or deviation');
    await expect(closeReview(t.db, involvedS, { ...sign, employeeId: involved.employeeId, password: involved.password })).rejects.toThrow('Only the reviewer who opened this review');
    const closed = await closeReview(t.db, reviewerS, sign);
    expect(closed.number).toBe(r.number);
    const [row] = await sql('SELECT status, finding, start_head_seq, end_head_seq, signer_employee_id FROM audit_reviews WHERE id = $1', [r.id]);
    expect(row).toMatchObject({ status: 'closed', finding: 'observation', signer_employee_id: reviewer.employeeId });
    expect(BigInt(row.end_head_seq)).toBeGreaterThan(BigInt(row.start_head_seq));
    const [ev] = await sql(`SELECT actor_id, new_value FROM audit_events WHERE action = 'audit_review.close'`);
    expect(ev).toMatchObject({ actor_id: reviewer.employeeId, new_value: { meaning: 'REVIEW', finding: 'observation', printedName: reviewer.displayName } });
    await expect(markSeen(t.db, reviewerS, { id: r.id, seqs: ['1'] })).rejects.toThrow('is closed');

    // Overdue: just after the reviewed period nothing is due; 31 days later one alert, once.
    expect(await checkReviewOverdue(t.db, new Date(to.getTime() + 60_000))).toBe(false);
    const later = new Date(to.getTime() + 31 * 86_400_000);
    expect(await checkReviewOverdue(t.db, later)).toBe(true);
    await checkReviewOverdue(t.db, later);
    const alerts = await sql(`SELECT kind, occurrences FROM security_alerts WHERE kind = 'audit_review_overdue'`);
    expect(alerts).toEqual([{ kind: 'audit_review_overdue', occurrences: 2 }]);
  });
});
