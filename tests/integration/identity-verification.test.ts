import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { getUser } from '@/lib/users/get-user';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// 21 CFR 11.100(b): the identity of a person is verified before their account — and so their
// electronic signature — exists; the request says how, the approver sees it, the user keeps it.

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('identity');
});
afterAll(async () => {
  await t?.drop();
});

const identity = { method: 'id_document', reference: 'Passport C01X00T47', verifiedBy: 'Hana Resources' };
const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 0x20), Buffer.from('\n%%EOF\n')]);

async function admin() {
  const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
  return { ...u, s: await sessionUser(t.db, u) };
}

describe('identity verification at user creation', () => {
  it('[11.100(b)] a new user needs how the identity was verified; evidence must be a real PDF, PNG or JPEG under 5 MiB', async () => {
    const a = await admin();
    const base = { kind: 'user.create', payload: { employeeId: 'NEW-1', displayName: 'Nia New', roles: ['Operator'] }, reason: 'joins line 3' };
    await expect(requestChange(t.db, a.s, base)).rejects.toMatchObject({ code: 'BAD_REQUEST', fields: { identity: expect.any(String) } });
    await expect(requestChange(t.db, a.s, { ...base, payload: { ...base.payload, identity: { ...identity, verifiedBy: '' } } })).rejects.toThrow('Name who verified the identity');
    const withFile = (bytes: Buffer, contentType = 'application/pdf', filename = 'passport.pdf') => ({ ...base, payload: { ...base.payload, identity }, evidenceFiles: [{ filename, contentType, bytes }] });
    await expect(requestChange(t.db, a.s, withFile(Buffer.from('MZ not a pdf')))).rejects.toThrow('passport.pdf is not a application/pdf file');
    await expect(requestChange(t.db, a.s, withFile(pdf, 'text/html', 'x.html'))).rejects.toThrow('only PDF, PNG or JPEG');
    await expect(requestChange(t.db, a.s, withFile(Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(5 * 1024 * 1024)])))).rejects.toThrow('larger than 5 MiB');
    const c = await t.owner();
    expect((await c.query('SELECT count(*)::int AS n FROM identity_evidence')).rows[0].n).toBe(0);
    expect((await c.query("SELECT count(*)::int AS n FROM change_requests WHERE target_label LIKE '%NEW-1%'")).rows[0].n).toBe(0);
    await c.end();
  });

  it('[11.100(b)] [4-eyes] the approver sees the verification and the evidence by hash before signing; the user keeps it', async () => {
    const a = await admin();
    const b = await admin();
    const cr = await requestChange(t.db, a.s, {
      kind: 'user.create',
      payload: { employeeId: 'NEW-2', displayName: 'Noor New', roles: ['Operator'], identity },
      reason: 'joins line 3',
      evidenceFiles: [{ filename: 'passport.pdf', contentType: 'application/pdf', bytes: pdf }],
    });
    const seen = await getChangeRequest(t.db, b.s, cr.id);
    const sha = createHash('sha256').update(pdf).digest('hex');
    expect(seen.payload.identity).toMatchObject({ ...identity, evidence: [{ filename: 'passport.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha }] });
    // The payload hash the approver signs covers the evidence's hash.
    const c = await t.owner();
    const [row] = (await c.query('SELECT payload_canonical FROM change_requests WHERE id = $1', [cr.id])).rows;
    expect(row.payload_canonical).toContain(sha);
    const d = await decideChangeRequest(t.db, b.s, { id: cr.id, decision: 'approve', payloadHash: seen.payloadHash, employeeId: b.employeeId, password: b.password });
    expect(d.status).toBe('applied');
    const [u] = (await c.query("SELECT id, identity_verification FROM users WHERE employee_id = 'NEW-2'")).rows;
    expect(u.identity_verification).toMatchObject({ ...identity, changeRequest: cr.number, evidence: [{ sha256: sha }] });
    const view = await getUser(t.db, b.s, u.id);
    expect(view.identity).toMatchObject({ method: 'id_document', reference: identity.reference });
    const [ev] = (await c.query('SELECT sha256, bytes FROM identity_evidence')).rows;
    expect(Buffer.from(ev.sha256).toString('hex')).toBe(sha);
    expect(Buffer.from(ev.bytes).equals(pdf)).toBe(true);
    await c.end();
    const app = await t.app();
    await expect(app.query("UPDATE identity_evidence SET filename = 'other.pdf'")).rejects.toThrow();
    await app.end();
  });
});
