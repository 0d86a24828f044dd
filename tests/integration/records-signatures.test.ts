import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerification } from '@/lib/audit/run-verification';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { editRecord } from '@/lib/records/edit-record';
import { getRecord } from '@/lib/records/get-record';
import { retireRecord } from '@/lib/records/retire-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('records');
});
afterAll(async () => {
  await t?.drop();
});

const batch = (over: Record<string, unknown> = {}) => ({
  title: 'Batch 42 of Product X',
  product: 'Product X',
  batchNumber: 'B-42',
  quantity: '1200',
  unit: 'vials',
  manufacturedOn: '2026-11-20',
  notes: 'naïve ✓',
  ...over,
});

async function people() {
  const author = await makeUser(t.db, { roles: ['Operator'] });
  const reviewer = await makeUser(t.db, { roles: ['QA Reviewer'] });
  const approver = await makeUser(t.db, { roles: ['QA Approver'] });
  const approver2 = await makeUser(t.db, { roles: ['QA Approver'] });
  return {
    author: { ...author, s: await sessionUser(t.db, author) },
    reviewer: { ...reviewer, s: await sessionUser(t.db, reviewer) },
    approver: { ...approver, s: await sessionUser(t.db, approver) },
    approver2: { ...approver2, s: await sessionUser(t.db, approver2) },
  };
}

const sign = (u: { employeeId: string; password: string; s: Parameters<typeof signRecord>[1] }, recordId: string, version: number, transition: string, meaning: string, extra: Record<string, unknown> = {}) =>
  signRecord(t.db, u.s, { recordId, version, transition, meaning, employeeId: u.employeeId, password: u.password, ...extra });

const sql = (q: string, params: unknown[] = []) => t.sql(q, params);

describe('records and electronic signatures', () => {
  it('[11.50] author, reviewer and approver sign; each signature carries name, time, meaning and context_ref', async () => {
    const p = await people();
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP');
    await sign(p.reviewer, rec.id, 1, 'review', 'REVIEW');
    const done = await sign(p.approver, rec.id, 1, 'approve', 'APPROVAL');
    expect(done.status).toBe('approved');
    expect(done.contextRef).toBe(`Record:${rec.id}/v1/transition:approve`);
    const view = await getRecord(t.db, p.approver.s, rec.id);
    expect(view.signatures.map((s) => [s.meaning, s.printedName, s.validity])).toEqual([
      ['AUTHORSHIP', p.author.s.displayName, 'valid'],
      ['REVIEW', p.reviewer.s.displayName, 'valid'],
      ['APPROVAL', p.approver.s.displayName, 'valid'],
    ]);
    expect(view.versions[0].signatureIds).toHaveLength(3);
    const ev = await sql("SELECT context_ref, new_value FROM audit_events WHERE action = 'record.sign' AND entity_id = $1 ORDER BY seq", [rec.id]);
    expect(ev.map((e) => e.new_value.meaning)).toEqual(['AUTHORSHIP', 'REVIEW', 'APPROVAL']);
    expect(ev[2].new_value.signatureId).toBe(view.signatures[2].id);
  });

  it('[11.70] [Annex 11 §14] a signature stays bound to the signed content: tampering the version row is flagged', async () => {
    const p = await people();
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP');
    const c = await t.app();
    const before = await runVerification(t.db, c, { actor: SYSTEM_CLI });
    expect(before.signatures.invalid).toEqual([]);
    // As the superuser, with the append-only trigger off: change the stored content.
    await sql(`ALTER TABLE record_versions DISABLE TRIGGER record_versions_no_update_delete;
      UPDATE record_versions SET content_canonical = replace(content_canonical, '1200', '1300') WHERE record_id = '${rec.id}';
      ALTER TABLE record_versions ENABLE ALWAYS TRIGGER record_versions_no_update_delete;`);
    const view = await getRecord(t.db, p.author.s, rec.id);
    expect(view.signatures[0].validity).toBe('content_changed');
    const after = await runVerification(t.db, c, { actor: SYSTEM_CLI });
    await c.end();
    expect(after.ok).toBe(false);
    expect(after.chainOk).toBe(true);
    expect(after.signatures.invalid).toContainEqual({ signatureId: view.signatures[0].id, recordId: rec.id, version: 1, validity: 'content_changed' });
    // And nobody can sign the tampered content.
    await expect(sign(p.reviewer, rec.id, 1, 'review', 'REVIEW')).rejects.toThrow('does not match its hash');
  });

  it('[11.300(d)] signing with a wrong password counts toward lockout and is audited', async () => {
    const p = await people();
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await expect(sign({ ...p.author, password: 'definitely wrong pw' }, rec.id, 1, 'submit', 'AUTHORSHIP')).rejects.toThrow(
      'Signature refused: wrong password',
    );
    await expect(sign({ ...p.author, employeeId: p.reviewer.employeeId }, rec.id, 1, 'submit', 'AUTHORSHIP')).rejects.toThrow(
      'the employee ID is not yours',
    );
    const u = await sql('SELECT failed_attempts FROM users WHERE id = $1', [p.author.id]);
    expect(u[0].failed_attempts).toBe(2);
    const ev = await sql("SELECT count(*)::int AS n FROM audit_events WHERE action = 'esign.failed' AND entity_id = $1", [p.author.id]);
    expect(ev[0].n).toBe(2);
    await expect(sign({ ...p.author, password: 'definitely wrong pw' }, rec.id, 1, 'submit', 'AUTHORSHIP')).rejects.toThrow('Account locked');
  });

  it('[11.10(f)] a concurrent second approval is refused: exactly one approval lands', async () => {
    const p = await people();
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP');
    await sign(p.reviewer, rec.id, 1, 'review', 'REVIEW');
    const results = await Promise.allSettled([
      sign(p.approver, rec.id, 1, 'approve', 'APPROVAL'),
      sign(p.approver2, rec.id, 1, 'approve', 'APPROVAL'),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(rejected.reason)).toMatch(/approved: "Sign approval" is not possible now/);
    const n = await sql("SELECT count(*)::int AS n FROM signatures WHERE record_id = $1 AND meaning = 'APPROVAL'", [rec.id]);
    expect(n[0].n).toBe(1);
  });

  it('[SoD] author ≠ reviewer ≠ approver, approval needs a review, no double signing', async () => {
    const p = await people();
    const both = await makeUser(t.db, { roles: ['QA Reviewer', 'QA Approver'] });
    const bothS = { ...both, s: await sessionUser(t.db, both) };
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await expect(sign(p.approver, rec.id, 1, 'approve', 'APPROVAL')).rejects.toThrow('draft');
    await sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP');
    await expect(sign(p.approver, rec.id, 1, 'approve', 'APPROVAL')).rejects.toThrow('in review: "Sign approval" is not possible');
    await sign(bothS, rec.id, 1, 'review', 'REVIEW');
    await expect(sign(bothS, rec.id, 1, 'approve', 'APPROVAL')).rejects.toThrow('APPROVAL must come from someone else');
    const refused = await sql("SELECT reason FROM audit_events WHERE action = 'esign.refused' AND entity_id = $1", [rec.id]);
    expect(refused.length).toBeGreaterThanOrEqual(3);
  });

  it('[11.10(e)] an edit needs a reason, makes a new version, and a superseded version cannot be signed', async () => {
    const p = await people();
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await expect(editRecord(t.db, p.author.s, { recordId: rec.id, baseVersion: 1, reason: '', content: batch({ quantity: '1100' }) })).rejects.toMatchObject({
      fields: { reason: 'Give the reason for this change' },
    });
    const versions = await sql('SELECT count(*)::int AS n FROM record_versions WHERE record_id = $1', [rec.id]);
    expect(versions[0].n).toBe(1);
    await editRecord(t.db, p.author.s, { recordId: rec.id, baseVersion: 1, reason: 'Counted again after line clearance', content: batch({ quantity: '1100' }) });
    await expect(sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP')).rejects.toThrow('Version 1 is superseded by version 2');
    const ev = await sql("SELECT old_value, new_value, reason FROM audit_events WHERE action = 'record.edit' AND entity_id = $1", [rec.id]);
    expect(ev[0].old_value.content.quantity).toBe(1200);
    expect(ev[0].new_value.content.quantity).toBe(1100);
    expect(ev[0].reason).toBe('Counted again after line clearance');
  });

  it('[Annex 11 §6] rejects with a required comment; bad content gets field errors and writes nothing; retire keeps everything', async () => {
    const p = await people();
    await expect(createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch({ quantity: 'lots', manufacturedOn: 'yesterday' }) })).rejects.toMatchObject({
      fields: { quantity: 'Quantity must be a number', manufacturedOn: 'Manufactured on must be a date (YYYY-MM-DD)' },
    });
    const rec = await createRecord(t.db, p.author.s, { kind: 'batch_record', content: batch() });
    await sign(p.author, rec.id, 1, 'submit', 'AUTHORSHIP');
    await expect(sign(p.reviewer, rec.id, 1, 'reject', 'REJECTION')).rejects.toThrow('needs a comment');
    const r = await sign(p.reviewer, rec.id, 1, 'reject', 'REJECTION', { comment: 'Yield outside limits' });
    expect(r.status).toBe('rejected');
    await expect(retireRecord(t.db, p.author.s, { recordId: rec.id, reason: 'duplicate' })).rejects.toThrow('records.retire');
    await retireRecord(t.db, p.approver.s, { recordId: rec.id, reason: 'Duplicate of BR-000001' });
    const view = await getRecord(t.db, p.approver.s, rec.id);
    expect(view.status).toBe('retired');
    expect(view.signatures).toHaveLength(2);
  });
});
