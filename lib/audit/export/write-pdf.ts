import PDFDocument from 'pdfkit';
import type { TExportHeader, TExportRow } from '@/lib/audit/export/export-source';
import { formatFilter } from '@/lib/audit/export/format-filter';
import { registerFonts } from '@/lib/pdf/fonts';
import { installMonospaceLayout, type TMonospaceText } from '@/lib/pdf/monospace-layout';
import { utcText } from '@/lib/format/utc-text';

// The audit trail on paper. Rows have a fixed height (three monospace lines: each cell wraps
// within its own column over the first two, cut with "…" only beyond them; the third holds the
// signature manifestation, the context or the hash), so the number of pages is known before the
// first row is drawn: "page X of Y" needs no second pass and the document streams out page by
// page. Text from users is drawn literally.

const PAGE = { size: 'A4', layout: 'landscape' as const, margin: 36 };
const FONT_SIZE = 7.5;
const CHAR_W = FONT_SIZE * 0.602; // DejaVu Sans Mono / Courier advance width
const LINE_H = 9.5;
/** Lines a cell may wrap onto within its column. */
export const CELL_LINES = 2;
const ROW_H = LINE_H * (CELL_LINES + 1) + 3;
const TOP = 36 + 34;
const BOTTOM_RESERVE = 30;

const PAGE_W = 841.89;
const PAGE_H = 595.28;
/** Characters on a line between the margins. */
const LINE_CHARS = Math.floor((PAGE_W - 2 * PAGE.margin) / CHAR_W);
export const FIXED_COLS: Array<{ key: string; width: number }> = [
  { key: 'seq', width: 9 },
  { key: 'time (UTC)', width: 26 },
  { key: 'actor', width: 30 },
  { key: 'action', width: 28 },
  { key: 'entity', width: 30 },
];
/** Spaces between columns: one made neighbouring columns read as one ("…123456 QA-REVIEWER"). */
export const COL_GAP = 2;
// Columns are separated by COL_GAP spaces, so a row's cell line is one monospaced string (one
// text operation, not six). The last column takes what is left of the line: it used to be
// 60 characters wide and ran past the right edge of the page, where it was cut off.
export const COLS: Array<{ key: string; width: number }> = [
  ...FIXED_COLS,
  { key: 'reason / context', width: LINE_CHARS - FIXED_COLS.reduce((a, c) => a + c.width + COL_GAP, 0) },
];
/** The second line of a row starts under the time column and ends at the right margin. */
const SECOND_LINE_CHARS = LINE_CHARS - FIXED_COLS[0].width - COL_GAP;

export function rowsPerPage(): number {
  const height = PAGE_H - TOP - BOTTOM_RESERVE;
  return Math.floor(height / ROW_H);
}

export function totalPages(rows: number): number {
  return 1 + Math.max(1, Math.ceil(rows / rowsPerPage())) + 1;
}

function clean(s: unknown): string {
  const text = s === null || s === undefined ? '' : typeof s === 'string' ? s : JSON.stringify(s);
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ');
}

function fit(s: string, chars: number): string {
  return s.length <= chars ? s.padEnd(chars) : `${s.slice(0, chars - 1)}…`;
}

/**
 * A cell's text in lines of at most `width` characters, at most `maxLines` of them: broken after
 * a space, `.`, `_`, `-`, `:` or `/` where one falls in the second half of the line, else at the
 * width; what does not fit on the last line ends in "…". Never wider than its column, so
 * neighbouring columns cannot run into each other however long a name or an action is.
 */
export function wrapCell(text: string, width: number, maxLines: number): string[] {
  const lines: string[] = [];
  let rest = text.trim();
  while (rest && lines.length < maxLines) {
    if (rest.length <= width) {
      lines.push(rest);
      rest = '';
      break;
    }
    if (lines.length === maxLines - 1) {
      lines.push(`${rest.slice(0, width - 1)}…`);
      rest = '';
      break;
    }
    let cut = width;
    for (let i = width; i > width / 2; i--) {
      const c = rest[i - 1];
      if (c === ' ' || c === '.' || c === '_' || c === '-' || c === ':' || c === '/') {
        cut = i;
        break;
      }
    }
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  return lines;
}

/** "Signed: Name (ID) — MEANING" for events that are electronic signatures (21 CFR 11.50). */
export function manifestationOf(r: Pick<TExportRow, 'action' | 'new_value' | 'occurred_at'>): string | null {
  if (r.action !== 'record.sign' && r.action !== 'change_request.approve' && r.action !== 'change_request.reject') return null;
  const v = (r.new_value ?? {}) as Record<string, unknown>;
  if (!v.printedName || !v.meaning) return null;
  return `Signed: ${String(v.printedName)} (${String(v.employeeId ?? '')}) — ${String(v.meaning)} — ${utcText(r.occurred_at)} UTC`;
}

/** The row columns the PDF prints (manifestations come from new_value). */
export const PDF_ROW_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_id',
  'actor_name',
  'action',
  'entity_type',
  'entity_id',
  'new_value',
  'reason',
  'context_ref',
  'hash',
] as const satisfies ReadonlyArray<keyof TExportRow>;
export type TPdfRow = Pick<TExportRow, (typeof PDF_ROW_COLUMNS)[number]>;

/** Fill colours as PDF operands (DeviceRGB, 0–1). */
const INK = { row: '0 0 0', signed: '0.059 0.09 0.165', muted: '0.392 0.455 0.545' } as const;
const CSS_OF_INK: Record<keyof typeof INK, string> = { row: 'black', signed: '#0f172a', muted: '#64748b' };

/** A PDF number: at most 3 decimals, no trailing zeros. */
function num(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

export class AuditPdfWriter {
  readonly doc: PDFKit.PDFDocument;
  private readonly fonts: { regular: string; bold: string; mono: string };
  private page = 0;
  private rowOnPage = 0;
  private readonly pages: number;
  private readonly perPage = rowsPerPage();
  /** The monospaced font written directly into the content stream (null: built-in Courier, text() only). */
  private readonly mono: TMonospaceText | null;
  private monoOnPage = '';
  /** Text operators of the current page's rows, not yet added to its content stream. */
  private ops = '';
  private ink: keyof typeof INK | null = null;

  constructor(private readonly h: TExportHeader) {
    this.doc = new PDFDocument({ ...PAGE, autoFirstPage: false, info: { Title: `Audit trail ${h.chainId}`, Creator: 'Custos' } });
    this.fonts = registerFonts(this.doc);
    this.mono = installMonospaceLayout(this.doc, this.fonts.mono);
    this.pages = totalPages(h.rows);
    this.titlePage();
  }

  private addPage() {
    this.doc.addPage(PAGE);
    this.page += 1;
    this.doc.font(this.fonts.regular).fontSize(7.5).fillColor('#475569');
    this.doc.text(`Custos audit trail · chain ${this.h.chainId} · exported ${this.h.exportedAt} by ${this.h.exportedBy} · page ${this.page} of ${this.pages}`, 36, PAGE_H - 24, {
      lineBreak: false,
    });
    this.doc.fillColor('black');
  }

  private block(lines: Array<[string, string]>, y: number) {
    for (const [k, v] of lines) {
      this.doc.font(this.fonts.bold).fontSize(9).text(`${k}:`, 36, y, { lineBreak: false });
      this.doc.font(this.fonts.regular).text(v, 170, y, { width: 620 });
      y = this.doc.y + 3;
    }
    return y;
  }

  private header(): Array<[string, string]> {
    const h = this.h;
    return [
      ['Exported by', h.exportedBy],
      ['Exported at (UTC)', h.exportedAt],
      ['Chain', h.chainId],
      ['Filter', formatFilter(h.filter)],
      ['Events', String(h.rows)],
      ['Seq range', h.firstSeq ? `${h.firstSeq} – ${h.lastSeq}` : 'none'],
      ['Head', `seq ${h.headSeq}, hash ${h.headHash}`],
      ['Chain verification', h.verification.summary],
    ];
  }

  private titlePage() {
    this.addPage();
    this.doc.font(this.fonts.bold).fontSize(16).text('Audit trail export', 36, 40);
    this.doc.font(this.fonts.regular).fontSize(9).fillColor('#334155').text('21 CFR 11.10(e) · EU GMP Annex 11 §9 — computer-generated, time-stamped, hash-chained', 36, 62);
    this.doc.fillColor('black');
    this.block(this.header(), 90);
  }

  private tableHeader() {
    let col = 0;
    this.doc.font(this.fonts.bold).fontSize(FONT_SIZE);
    for (const c of COLS) {
      this.doc.text(c.key, 36 + col * CHAR_W, 44, { lineBreak: false });
      col += c.width + COL_GAP;
    }
    this.doc.moveTo(36, TOP - 6).lineTo(806, TOP - 6).lineWidth(0.5).strokeColor('#94a3b8').stroke();
  }

  /**
   * Rows are drawn as one text object per page written straight into its content stream: a
   * Tm and a Tj of the line's glyph codes per line (TMonospaceText.pdfString). pdfkit's text() per
   * line measured, wrapped, saved and restored state and built a TJ array each time: most of the
   * export's time. A line with text that needs shaping (Arabic, combining marks…) still goes
   * through text().
   */
  addRows(rows: TPdfRow[]) {
    for (const r of rows) {
      if (this.page === 1 || this.rowOnPage === this.perPage) {
        this.flushRows();
        this.addPage();
        this.tableHeader();
        this.rowOnPage = 0;
        this.monoOnPage = this.mono ? this.mono.useOn(this.doc.page) : '';
      }
      const y = TOP + this.rowOnPage * ROW_H;
      const cells = [
        r.seq,
        r.occurred_at.slice(0, 26).replace('T', ' '),
        `${r.actor_id}${r.actor_name ? ` ${r.actor_name}` : ''}`,
        r.action,
        `${r.entity_type}${r.entity_id ? `:${r.entity_id}` : ''}`,
        r.reason ?? r.context_ref ?? '',
      ];
      const wrapped = cells.map((c, i) => wrapCell(clean(c), COLS[i].width, CELL_LINES));
      for (let l = 0; l < CELL_LINES; l++) {
        let line = '';
        for (let i = 0; i < COLS.length; i++) line += `${i ? ' '.repeat(COL_GAP) : ''}${(wrapped[i][l] ?? '').padEnd(COLS[i].width)}`;
        this.line(line.trimEnd(), 36, y + l * LINE_H, 'row');
      }
      const signed = manifestationOf(r);
      const last = signed ?? (r.context_ref && r.reason ? `context: ${r.context_ref}` : `hash ${r.hash}`);
      this.line(fit(clean(last), SECOND_LINE_CHARS).trimEnd(), 36 + (FIXED_COLS[0].width + COL_GAP) * CHAR_W, y + CELL_LINES * LINE_H, signed ? 'signed' : 'muted');
      this.rowOnPage += 1;
    }
    this.flushRows();
  }

  /** One line of monospaced text whose top-left corner is (x, y) (pdfkit's coordinates, y down). */
  private line(text: string, x: number, y: number, ink: keyof typeof INK) {
    if (!text) return;
    const str = this.mono?.pdfString(text);
    if (str == null) {
      this.flushRows();
      this.doc.font(this.fonts.mono).fontSize(FONT_SIZE).fillColor(CSS_OF_INK[ink]);
      this.doc.text(text, x, y, { lineBreak: false });
      this.doc.fillColor('black');
      return;
    }
    if (this.ink !== ink) {
      this.ops += `${INK[ink]} rg\n`;
      this.ink = ink;
    }
    // The text object below undoes pdfkit's flipped page coordinates: y counts up from the bottom.
    this.ops += `1 0 0 1 ${num(x)} ${num(PAGE_H - y - this.mono!.ascent(FONT_SIZE))} Tm\n${str} Tj\n`;
  }

  private flushRows() {
    if (!this.ops) return;
    const content = `q\n1 0 0 -1 0 ${num(PAGE_H)} cm\nBT\n${this.monoOnPage} ${num(FONT_SIZE)} Tf\n${this.ops}ET\nQ\n`;
    // Bytes (latin1: the glyph codes are binary), not a string: pdfkit converts a string to
    // bytes one character at a time.
    (this.doc as unknown as { addContent(data: Uint8Array): void }).addContent(Buffer.from(content, 'latin1'));
    this.ops = '';
    this.ink = null;
  }

  finish(): void {
    if (this.page === 1) {
      this.addPage();
      this.doc.font(this.fonts.regular).fontSize(10).text('No events match the filter.', 36, TOP);
    }
    this.addPage();
    this.doc.font(this.fonts.bold).fontSize(13).text('Verification', 36, 40);
    let y = this.block(
      [
        ['Chain verification', this.h.verification.summary],
        ['Verified range', `seq ${this.h.verification.checkedFrom} – ${this.h.verification.checkedTo ?? 'head'}`],
      ],
      64,
    );
    const c = this.h.checkpoint;
    this.doc.font(this.fonts.bold).fontSize(11).text('Signed checkpoint covering the range', 36, y + 8);
    y = this.doc.y + 4;
    if (!c) {
      this.doc.font(this.fonts.regular).fontSize(9).text('None: no checkpoint was signed at or after the last exported event.', 36, y);
    } else {
      y = this.block(
        [
          ['Checkpoint', `#${c.id} at seq ${c.seq}, signed ${c.signedAt}`],
          ['Head hash signed', c.hash],
          ['Key id (SHA-256 of key)', c.keyId],
          ['Signed payload', c.payload],
          ['Signature (ECDSA P-256, r||s hex)', c.signature],
        ],
        y,
      );
      this.doc.font(this.fonts.mono).fontSize(7).text(c.publicKey, 36, y + 4);
    }
    this.doc.end();
  }
}
