import PDFDocument from 'pdfkit';
import { formatUtc, manifestationText } from '@/lib/esign/manifestation';
import { registerFonts } from '@/lib/pdf/fonts';
import { KIND_CONFIG } from '@/lib/records/kinds';
import { STATUS_LABEL } from '@/lib/records/lifecycle';
import type { TRecordView } from '@/lib/records/get-record';

const VALIDITY_TEXT = {
  valid: 'valid',
  content_changed: 'INVALID — stored content changed',
  hash_mismatch: 'INVALID — content differs from what was signed',
  chain_mismatch: 'INVALID — disagrees with the audit trail',
};

/**
 * The printed record (21 CFR 11.50): content of the current version, every signature's
 * manifestation (printed name, date and time, meaning), and the version history with reasons.
 * Streams: the caller pipes the returned document to the response.
 */
export function renderRecordPdf(
  r: TRecordView,
  meta: { printedBy: string; printedAt: Date },
  /** The current version's content as the record page shows it: labels and values in the kind's order. */
  fields: Array<{ label: string; value: string }>,
): PDFKit.PDFDocument {
  const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: true, info: { Title: `${r.number} ${r.title}`, Creator: 'Custos' } });
  const f = registerFonts(doc);
  const current = r.versions.find((v) => v.version === r.currentVersion) ?? r.versions.at(-1)!;

  doc.font(f.bold).fontSize(16).text(`${r.number} — ${r.title}`);
  doc.moveDown(0.3).font(f.regular).fontSize(9).fillColor('#334155');
  doc.text(`${KIND_CONFIG[r.kind].label} · status ${STATUS_LABEL[r.status]} · version ${r.currentVersion} · content SHA-256 ${current.contentHash}`);
  if (r.retiredAt) doc.text(`Retired ${formatUtc(r.retiredAt)}: ${r.retiredReason ?? ''}`);
  doc.fillColor('black').moveDown();

  section(doc, f.bold, `Content (version ${current.version})`);
  doc.font(f.regular).fontSize(10);
  for (const { label, value } of fields) {
    doc.font(f.bold).text(`${label}: `, { continued: true }).font(f.regular).text(value || '—');
  }
  doc.moveDown();

  section(doc, f.bold, 'Electronic signatures');
  doc.fontSize(10);
  if (r.signatures.length === 0) doc.font(f.regular).text('None.');
  for (const s of r.signatures) {
    doc.font(f.bold).text(manifestationText(s), { continued: false });
    doc.font(f.regular).fontSize(8.5).fillColor(s.validity === 'valid' ? '#334155' : '#b91c1c');
    doc.text(
      `version ${s.version} · ${s.transition} · role ${s.role} · ${VALIDITY_TEXT[s.validity]} · ${s.contextRef} · signed SHA-256 ${s.contentHash}` +
        (s.comment ? ` · comment: ${s.comment}` : ''),
    );
    doc.fillColor('black').fontSize(10).moveDown(0.4);
  }
  doc.moveDown();

  section(doc, f.bold, 'Version history');
  doc.fontSize(10);
  for (const v of [...r.versions].reverse()) {
    doc.font(f.bold).text(`Version ${v.version} — ${v.createdByName} — ${formatUtc(v.createdAt)}`);
    doc.font(f.regular).fontSize(9).text(`Reason: ${v.reason ?? '(first version)'} · SHA-256 ${v.contentHash}`).fontSize(10).moveDown(0.3);
  }

  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // The footer sits in the bottom margin: with the margin in force pdfkit would start a new,
    // blank page for it (the old "page 1 of 1" on page 2). Lifted for the footer, then restored.
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.font(f.regular).fontSize(8).fillColor('#475569');
    doc.text(
      `${r.number} · printed by ${meta.printedBy} at ${formatUtc(meta.printedAt)} · page ${i + 1} of ${range.count}`,
      50,
      doc.page.height - 40,
      { width: doc.page.width - 100, align: 'center', lineBreak: false },
    );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return doc;
}

function section(doc: PDFKit.PDFDocument, bold: string, title: string) {
  doc.font(bold).fontSize(12).text(title).moveDown(0.3);
}
