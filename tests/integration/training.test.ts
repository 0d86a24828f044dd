import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { completeTraining, trainingOf } from '@/lib/training/training';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// 21 CFR 11.10(i): a reviewer whose curriculum gained a document may not sign REVIEW, once the
// grace period is over, until they have signed "read and understood" on it.

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('training');
});
afterAll(async () => {
  await t?.drop();
  delete process.env.CUSTOS_TRAINING_GRACE_DAYS;
});

async function person(roles: string[]) {
  const u = await makeUser(t.db, { roles });
  return { ...u, s: await sessionUser(t.db, u) };
}
type TPerson = Awaited<ReturnType<typeof person>>;
const sign = (p: TPerson, recordId: string, transition: string, meaning: string) =>
  signRecord(t.db, p.s, { recordId, version: 1, transition, meaning, employeeId: p.employeeId, password: p.password });

describe('training records gate signing', () => {
  it('[11.10(i)] a reviewer whose curriculum gained a document cannot sign REVIEW after the grace period until they signed "read and understood"; right after, they can', async () => {
    const author = await person(['Operator']);
    const reviewer = await person(['QA Reviewer']);
    const approver = await person(['QA Approver']);
    const approver2 = await person(['QA Approver']);
    // The SOP: a document, approved through its own lifecycle.
    const sop = await createRecord(t.db, author.s, { kind: 'document', content: { title: 'Batch review SOP', documentNumber: 'SOP-QA-007', revision: 'C', body: 'How to review a batch record.' } });
    await sign(author, sop.id, 'submit', 'AUTHORSHIP');
    await sign(reviewer, sop.id, 'review', 'REVIEW');
    await sign(approver, sop.id, 'approve', 'APPROVAL');

    // The QA Reviewer curriculum gains it, through a change request another person approves.
    const cr = await requestChange(t.db, approver.s, { kind: 'training.curriculum', payload: { role: 'QA Reviewer', documents: [sop.number] }, reason: 'SOP-QA-007 applies to every reviewer' });
    expect(cr.requiredApprovals).toBe(1);
    const seen = await getChangeRequest(t.db, approver2.s, cr.id);
    expect((await decideChangeRequest(t.db, approver2.s, { id: cr.id, decision: 'approve', payloadHash: seen.payloadHash, employeeId: approver2.employeeId, password: approver2.password })).status).toBe('applied');

    const batch = await createRecord(t.db, author.s, { kind: 'batch_record', content: { title: 'B', product: 'P', batchNumber: 'B-1', quantity: '1', unit: 'kg', manufacturedOn: '2026-11-30', notes: '' } });
    await sign(author, batch.id, 'submit', 'AUTHORSHIP');

    // Within the grace period (14 days by default) the reviewer may still sign; it is due.
    const [item] = await trainingOf(t.db, reviewer.id);
    expect(item).toMatchObject({ number: sop.number, revision: 'C', version: 1, status: 'due' });
    // After it (grace 0 days), REVIEW is refused naming the document, before the password.
    process.env.CUSTOS_TRAINING_GRACE_DAYS = '0';
    await new Promise((r) => setTimeout(r, 5));
    await expect(sign(reviewer, batch.id, 'review', 'REVIEW')).rejects.toThrow(`Training not current: sign "read and understood" for ${sop.number} Batch review SOP (revision C) first`);
    const c = await t.owner();
    const refused = await c.query(`SELECT reason FROM audit_events WHERE action = 'esign.refused' AND actor_id = $1`, [reviewer.employeeId]);
    expect(refused.rows.map((r) => r.reason)).toEqual([expect.stringContaining('Training not current')]);
    // The Operator's AUTHORSHIP is not gated by the QA Reviewer curriculum.
    expect((await trainingOf(t.db, author.id)).length).toBe(0);

    // Read and understood, by signature: then REVIEW goes through.
    await expect(completeTraining(t.db, reviewer.s, { recordId: sop.id, version: 1, employeeId: reviewer.employeeId, password: 'wrong password here' })).rejects.toThrow('wrong password');
    await completeTraining(t.db, reviewer.s, { recordId: sop.id, version: 1, employeeId: reviewer.employeeId, password: reviewer.password });
    expect((await trainingOf(t.db, reviewer.id))[0].status).toBe('current');
    await sign(reviewer, batch.id, 'review', 'REVIEW');
    const ev = await c.query(`SELECT actor_id, new_value FROM audit_events WHERE action = 'training.complete'`);
    expect(ev.rows).toEqual([{ actor_id: reviewer.employeeId, new_value: expect.objectContaining({ meaning: 'READ_AND_UNDERSTOOD', version: 1, revision: 'C', number: sop.number }) }]);
    await c.end();
    await expect(completeTraining(t.db, reviewer.s, { recordId: sop.id, version: 1, employeeId: reviewer.employeeId, password: reviewer.password })).rejects.toThrow('already signed');
  });
});
