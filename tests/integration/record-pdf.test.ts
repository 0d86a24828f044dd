import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecord } from '@/lib/records/create-record';
import { editRecord } from '@/lib/records/edit-record';
import { getRecord } from '@/lib/records/get-record';
import { renderRecordPdf } from '@/lib/records/render-record-pdf';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('record_pdf');
});
afterAll(async () => {
  await t?.drop();
});

async function pdfText(doc: PDFKit.PDFDocument): Promise<string> {
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  // renderRecordPdf ends the document itself (the route streams it as it is drawn).
  await new Promise((r) => doc.on('end', r));
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: Buffer.concat(chunks), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pdftotext failed: ${r.stderr}`);
  return r.stdout.replace(/\s+/g, ' ');
}

describe('the printed record', () => {
  it('[Annex 11 §8.2] [11.10(b)] a printout shows that the data changed since first entry: every version, who changed it, when and why', async () => {
    const author = await makeUser(t.db, { roles: ['Operator'] });
    const s = await sessionUser(t.db, author);
    const content = { title: 'Batch 9', product: 'Product Y', batchNumber: 'B-9', quantity: '100', unit: 'kg', manufacturedOn: '2026-11-30', notes: '' };
    const rec = await createRecord(t.db, s, { kind: 'batch_record', content });
    const first = await pdfText(renderRecordPdf(await getRecord(t.db, s, rec.id), { printedBy: author.displayName, printedAt: new Date() }, []));
    expect(first).toContain('Version 1');
    expect(first).toContain('(first version)');
    expect(first).not.toContain('Version 2');

    await editRecord(t.db, s, { recordId: rec.id, baseVersion: 1, reason: 'Weighed again after line clearance', content: { ...content, quantity: '98' } });
    const r = await getRecord(t.db, s, rec.id);
    const text = await pdfText(renderRecordPdf(r, { printedBy: author.displayName, printedAt: new Date() }, []));
    expect(text).toContain('Version 2');
    expect(text).toContain('Reason: Weighed again after line clearance');
    expect(text).toContain('Version 1');
    for (const v of r.versions) expect(text).toContain(v.contentHash);
  });
});
