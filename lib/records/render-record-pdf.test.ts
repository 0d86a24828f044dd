import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { TRecordView } from '@/lib/records/get-record';
import { renderRecordPdf } from '@/lib/records/render-record-pdf';

async function pdfBytes(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of doc) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The text of each page (pdftotext separates pages with a form feed). */
function pages(pdf: Buffer): string[] {
  const r = spawnSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\f').filter((p, i, all) => i < all.length - 1 || p.trim() !== '');
}

function record(versions: number): TRecordView {
  const at = new Date('2026-12-03T07:20:33Z');
  return {
    id: '0b0b0b0b-0000-4000-8000-000000000001',
    number: 'BR-000001',
    kind: 'batch_record',
    title: 'Batch 42',
    status: 'draft',
    currentVersion: versions,
    createdAt: at,
    updatedAt: at,
    retiredAt: null,
    retiredReason: null,
    versions: Array.from({ length: versions }, (_, i) => ({
      id: `v${i}`,
      version: i + 1,
      content: { batchNumber: 'B-1', title: 'Batch 42' },
      contentHash: 'ab'.repeat(32),
      reason: i ? `Correction ${i}: the quantity was mistyped` : null,
      createdByName: 'Ann Author',
      createdById: 'u1',
      createdAt: at,
      signatureIds: [],
      intact: true,
    })),
    signatures: [],
    audit: [],
  };
}

const meta = { printedBy: 'Pat Printer (E9)', printedAt: new Date('2026-12-03T08:00:00Z') };
const fields = [
  { label: 'Title', value: 'Batch 42' },
  { label: 'Batch number', value: 'B-1' },
];

describe('record PDF', () => {
  it('[11.50] prints the fields by their labels, in the order given, never the stored key', async () => {
    const [page] = pages(await pdfBytes(renderRecordPdf(record(1), meta, fields)));
    expect(page).toMatch(/Title: Batch 42[\s\S]*Batch number: B-1/);
    expect(page).not.toContain('batchNumber');
  });

  it('[11.50] has no blank trailing page, and says page X of Y and printed by / at on every page', async () => {
    for (const versions of [1, 40]) {
      const text = pages(await pdfBytes(renderRecordPdf(record(versions), meta, fields)));
      const info = spawnSync('pdfinfo', ['-'], { input: await pdfBytes(renderRecordPdf(record(versions), meta, fields)), encoding: 'utf8' });
      const count = Number(/Pages:\s+(\d+)/.exec(info.stdout)?.[1]);
      expect(text).toHaveLength(count);
      if (versions > 1) expect(count).toBeGreaterThan(1);
      text.forEach((p, i) => {
        expect(p).toContain(`page ${i + 1} of ${count}`);
        expect(p).toContain('printed by Pat Printer (E9) at 2026-12-03 08:00:00 UTC');
        expect(p.replace(/BR-000001 · printed by.*$/m, '').trim()).not.toBe('');
      });
    }
  });
});
