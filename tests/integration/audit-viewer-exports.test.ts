import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@/lib/audit/append-audit';
import { parseAuditFilter } from '@/lib/audit/audit-filter';
import { startAuditExport } from '@/lib/audit/export/run-export';
import { queryAudit } from '@/lib/audit/query-audit';
import { getPgPool } from '@/lib/db/pg-pool';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';
// The auditor's zero-dependency verifier, exactly as served to auditors.
import { verifyBundle } from '@/public/verify-audit-bundle.mjs';

let t: TTestDatabase;
let auditor: Awaited<ReturnType<typeof sessionUser>>;
beforeAll(async () => {
  t = await createTestDatabase('audit_viewer');
  const a = await makeUser(t.db, { roles: ['Auditor'] });
  auditor = await sessionUser(t.db, a);
});
afterAll(async () => {
  await getPgPool().end();
  await t?.drop();
});

async function appendMany(n: number, over: Record<string, unknown> = {}) {
  await t.db.$transaction((tx) =>
    appendAudit(
      tx,
      Array.from({ length: n }, (_, i) => ({
        actor: { type: 'system' as const, id: 'system:test', name: 'Test' },
        action: 'test.event',
        entityType: 'Test',
        entityId: String(i),
        reason: i % 7 === 0 ? '=cmd|calc!A1 formula' : `routine ${i}`,
        ...over,
      })),
    ),
  );
}

async function runExport(format: 'csv' | 'pdf' | 'bundle', query: Record<string, string> = {}) {
  const parsed = parseAuditFilter(new URLSearchParams(query));
  if (!parsed.ok) throw new Error(parsed.message);
  const client = await getPgPool().connect();
  const exp = await startAuditExport(t.db, client, auditor, { format, filter: parsed.filter });
  const chunks: Buffer[] = [];
  for await (const c of exp.stream) chunks.push(Buffer.from(c));
  await new Promise((r) => setTimeout(r, 200));
  return { exp, bytes: Buffer.concat(chunks) };
}

describe('audit viewer and exports', () => {
  it('[11.10(e)] keyset paging returns every row exactly once while new events are appended', async () => {
    await appendMany(230, { action: 'page.test' });
    const seen: string[] = [];
    let before: bigint | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await queryAudit(t.db, auditor, { filter: { action: 'page.test' }, before, limit: 25 });
      seen.push(...page.rows.map((r) => r.seq));
      await appendMany(3, { action: 'page.test' }); // newer rows arrive meanwhile
      if (!page.older) break;
      before = BigInt(page.older);
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(230);
    const newerPage = await queryAudit(t.db, auditor, { filter: { action: 'page.test' }, after: BigInt(seen[0]), limit: 500 });
    expect(newerPage.rows.length).toBeGreaterThan(0);
    expect(newerPage.rows.every((r) => BigInt(r.seq) > BigInt(seen[0]))).toBe(true);
  });

  it('rejects invalid filter values naming the field; a range beyond the head is empty, not an error', async () => {
    expect(parseAuditFilter(new URLSearchParams({ from: 'yesterday' }))).toMatchObject({ ok: false, field: 'from' });
    expect(parseAuditFilter(new URLSearchParams({ fromSeq: '-1' }))).toMatchObject({ ok: false, field: 'fromSeq' });
    expect(parseAuditFilter(new URLSearchParams({ from: '2026-02-01', to: '2026-01-01' }))).toMatchObject({ ok: false, field: 'to' });
    const p = parseAuditFilter(new URLSearchParams({ fromSeq: '999999999' }));
    if (!p.ok) throw new Error('expected ok');
    expect((await queryAudit(t.db, auditor, { filter: p.filter })).rows).toEqual([]);
  });

  it('[11.10(b)] CSV export: a plain table with the column names first, neutralized formulas, and the metadata and file hash in its audit event', async () => {
    await appendMany(20, { action: 'csv.test' });
    const { bytes } = await runExport('csv', { action: 'csv.test' });
    const csv = bytes.toString('utf8');
    expect(csv.split('\r\n')[0]).toBe('seq,occurred_at_utc,actor_type,actor_id,actor_name,actor_role,session_id,action,entity_type,entity_id,old_value,new_value,reason,context_ref,hash,prev_hash');
    expect(csv).not.toContain('exported_by,');
    expect(csv).toContain(`"'=cmd|calc!A1 formula"`.replace(/^"|"$/g, ''));
    expect(csv).not.toMatch(/,=cmd/);
    expect(csv.split('\r\n').filter((l) => l.includes('csv.test') && /^\d+,/.test(l))).toHaveLength(20);
    const c = await t.app();
    const ev = await c.query("SELECT new_value FROM audit_events WHERE action = 'audit.export' ORDER BY seq DESC LIMIT 1");
    await c.end();
    expect(ev.rows[0].new_value).toMatchObject({
      format: 'csv',
      status: 'completed',
      rows: 20,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      filterText: 'action=csv.test',
      verification: expect.stringMatching(/^intact: 20 events/),
      exportedBy: expect.any(String),
      headSeq: expect.any(String),
      headHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      checkpoint: expect.objectContaining({ seq: expect.any(String) }),
    });
  });

  it('[11.50] [Annex 11 §8.1] the PDF export shows signature manifestations and page numbers', async () => {
    const author = await makeUser(t.db, { roles: ['Operator'] });
    const s = await sessionUser(t.db, author);
    const rec = await createRecord(t.db, s, {
      kind: 'document',
      content: { title: 'SOP 12', documentNumber: 'SOP-12', revision: 'A', body: 'Text' },
    });
    await signRecord(t.db, s, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });
    const { bytes } = await runExport('pdf', { action: 'record.*' });
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pdfText = execFileSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).toString();
    expect(pdfText).toContain(`Signed: ${s.displayName} (${author.employeeId}) — AUTHORSHIP`);
    expect(pdfText).toMatch(/page 1 of 3/);
    expect(pdfText).toContain('Signed checkpoint covering the range');
  });

  it('[11.10(e)] [Annex 11 §17] the bundle verifies offline, and every single-byte change is rejected at the right place', async () => {
    await appendMany(12, { action: 'bundle.test' });
    const { bytes } = await runExport('bundle', { action: 'bundle.test' });
    const textOk = bytes.toString('utf8');
    const verdict = verifyBundle(textOk);
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true, events: 12, checkpoints: 1, coveredByCheckpoint: true });
    const bundle = JSON.parse(textOk);
    // Where each event object sits in the file.
    const spans = bundle.events.map((e: { seq: string }) => {
      const end = textOk.indexOf(`"seq":"${e.seq}"}`) + `"seq":"${e.seq}"}`.length;
      return { seq: e.seq, start: textOk.lastIndexOf('{"canonical":', end), end };
    });
    let checked = 0;
    for (let pos = 0; pos < bytes.length; pos += 1) {
      const ch = bytes[pos];
      const mutated = Buffer.from(bytes);
      mutated[pos] = ch === 0x61 ? 0x62 : ch === 0x30 ? 0x31 : 0x61; // a→b, 0→1, else →a
      const r = verifyBundle(mutated.toString('utf8')) as { ok: boolean; reason?: string; position?: number; seq?: string; checkpoint?: number };
      expect(r.ok, `byte ${pos} changed but the bundle still verifies: …${textOk.slice(Math.max(0, pos - 60), pos)}[${textOk[pos]}]${textOk.slice(pos + 1, pos + 30)}…`).toBe(false);
      const inEvent = spans.find((sp: { start: number; end: number }) => pos >= sp.start && pos < sp.end);
      if (inEvent && r.position === undefined && r.checkpoint === undefined && r.seq !== undefined) {
        // A change inside an event names that event (by its seq, or by the seq the change wrote).
        const claimed = mutated.toString('utf8').slice(inEvent.start, inEvent.end).match(/"seq":"([^"]*)"}$/)?.[1];
        expect([inEvent.seq, claimed], `byte ${pos}: ${r.reason}`).toContain(String(r.seq));
      } else if (r.position !== undefined) {
        expect(r.position).toBeGreaterThanOrEqual(0);
        expect(r.position).toBeLessThanOrEqual(bytes.length);
      }
      checked += 1;
    }
    expect(checked).toBe(bytes.length);
  });

  it('[11.10(b)] a download cancelled midway is audited as cancelled, and its connection is not reused', async () => {
    await appendMany(3000, { action: 'cancel.test' });
    const client = await getPgPool().connect();
    const exp = await startAuditExport(t.db, client, auditor, { format: 'csv', filter: { action: 'cancel.test' } });
    let chunks = 0;
    for await (const _ of exp.stream) {
      if (++chunks === 3) break; // leaving the loop destroys the stream: the reader went away
    }
    await new Promise((r) => setTimeout(r, 300));
    const c = await t.app();
    const ev = await c.query("SELECT new_value FROM audit_events WHERE action = 'audit.export' ORDER BY seq DESC LIMIT 1");
    await c.end();
    expect(ev.rows[0].new_value).toMatchObject({ format: 'csv', status: 'cancelled', filter: { action: 'cancel.test' } });
    expect(ev.rows[0].new_value.rows).toBeLessThan(3000);
    // The pool hands out working connections afterwards, and a whole export still goes through.
    const { bytes } = await runExport('csv', { action: 'cancel.test' });
    expect(bytes.toString('utf8').split('\r\n').filter((l) => /^\d+,/.test(l) && l.includes('cancel.test'))).toHaveLength(3000);
  });

  it('an auditor without audit.export is refused (403) and the refusal is audited', async () => {
    const op = await makeUser(t.db, { roles: ['Operator'] });
    const s = await sessionUser(t.db, op);
    const client = await getPgPool().connect();
    await expect(startAuditExport(t.db, client, s, { format: 'csv', filter: {} })).rejects.toMatchObject({ code: 'FORBIDDEN', status: 403 });
    client.release();
    const c = await t.app();
    const ev = await c.query("SELECT actor_id FROM audit_events WHERE action = 'audit.export_refused'");
    await c.end();
    expect(ev.rows).toEqual([{ actor_id: op.employeeId }]);
  });
});
