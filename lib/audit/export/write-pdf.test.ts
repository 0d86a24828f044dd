import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { TExportHeader } from '@/lib/audit/export/export-source';
import { AuditPdfWriter, CELL_LINES, COL_GAP, COLS, wrapCell, type TPdfRow } from '@/lib/audit/export/write-pdf';

const CHAR_W = 7.5 * 0.602;

const header: TExportHeader = {
  chainId: 'main',
  exportedBy: 'Ann Auditor (E1)',
  exportedAt: '2026-12-03T07:20:33.000Z',
  filter: {},
  rows: 3,
  firstSeq: '1',
  lastSeq: '3',
  headSeq: '3',
  headHash: 'ab'.repeat(32),
  verification: { ok: true, summary: 'intact: 3 events', checkedFrom: '1', checkedTo: '3' },
  checkpoint: null,
};

// The longest values the trail holds: the longest action names, a long actor name, a UUID entity.
const LONG_ACTIONS = ['change_request.secret_shown', 'auth.password_change_failed', 'quarantine.reinject_failed'];
const rows: TPdfRow[] = LONG_ACTIONS.map((action, i) => ({
  seq: String(100000 + i),
  occurred_at: '2026-12-03T07:20:33.123456Z',
  actor_id: 'QA-REVIEWER-000123',
  actor_name: 'Maximiliane Alexandra von Hohenzollern-Sigmaringen',
  action,
  entity_type: 'ChangeRequest',
  entity_id: '0b0b0b0b-0000-4000-8000-000000000001',
  new_value: null,
  reason: 'A long reason that fills the last column and then some more words to wrap onto its second line and beyond it',
  context_ref: 'ChangeRequest:0b0b0b0b-0000-4000-8000-000000000001/approve',
  hash: 'cd'.repeat(32),
}));

async function render(): Promise<Buffer> {
  const w = new AuditPdfWriter(header);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => w.doc.on('end', () => resolve()));
  w.doc.on('data', (c: Buffer) => chunks.push(c));
  w.addRows(rows);
  w.finish();
  await done;
  return Buffer.concat(chunks);
}

interface TWord {
  page: number;
  xMin: number;
  xMax: number;
  yMin: number;
  text: string;
}

function words(pdf: Buffer): TWord[] {
  const r = spawnSync('pdftotext', ['-bbox', '-', '-'], { input: pdf, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const out: TWord[] = [];
  r.stdout.split('<page ').slice(1).forEach((p, i) => {
    for (const m of p.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)) {
      out.push({ page: i + 1, xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), text: m[4] });
    }
  });
  return out;
}

describe('wrapCell', () => {
  it('keeps text that fits, and wraps at a separator within the width', () => {
    expect(wrapCell('record.sign', 28, 2)).toEqual(['record.sign']);
    expect(wrapCell('E1 Maximiliane Alexandra von Hohenzollern', 30, 2)).toEqual(['E1 Maximiliane Alexandra von', 'Hohenzollern']);
    expect(wrapCell('ChangeRequest:0b0b0b0b-0000-4000-8000-000000000001', 30, 2)).toEqual(['ChangeRequest:0b0b0b0b-0000-', '4000-8000-000000000001']);
  });

  it('never returns a line wider than the column, and ends cut text with …', () => {
    const lines = wrapCell('x'.repeat(100), 10, 2);
    expect(lines).toEqual(['x'.repeat(10), `${'x'.repeat(9)}…`]);
    for (const w of [5, 9, 28, 30]) for (const l of wrapCell(rows[0].reason!, w, 3)) expect(l.length).toBeLessThanOrEqual(w);
  });
});

describe('audit trail PDF', () => {
  it('[11.10(b)] columns never collide: with the longest values every word stays inside its column', async () => {
    const pdf = await render();
    const bounds: Array<{ key: string; x0: number; x1: number }> = [];
    let col = 0;
    for (const c of COLS) {
      bounds.push({ key: c.key, x0: 36 + col * CHAR_W, x1: 36 + (col + c.width) * CHAR_W });
      col += c.width + COL_GAP;
    }
    // Table rows: page 2 (page 1 is the title page, the last one the verification), the cell lines of each row.
    const table = words(pdf).filter((w) => w.page === 2 && w.yMin > 60 && w.yMin < 560);
    const inColumn = (x: number) => bounds.findIndex((b) => x >= b.x0 - 0.5 && x <= b.x1 + 0.5);
    const cellWords = table.filter((w) => !/^[0-9a-f]{64}$/.test(w.text) && w.text !== 'hash' && w.text !== 'context:' && !w.text.startsWith('ChangeRequest:0b0b0b0b-0000-4000-8000-000000000001/'));
    expect(cellWords.length).toBeGreaterThan(20);
    const crossing = cellWords.filter((w) => inColumn(w.xMin) === -1 || inColumn(w.xMin) !== inColumn(w.xMax - 0.01));
    expect(crossing).toEqual([]);
    // Neighbouring columns on one line are visibly apart: at least one and a half characters.
    const lines = new Map<string, TWord[]>();
    for (const w of cellWords) lines.set(`${w.page}:${w.yMin.toFixed(1)}`, [...(lines.get(`${w.page}:${w.yMin.toFixed(1)}`) ?? []), w]);
    for (const ws of lines.values()) {
      ws.sort((a, b) => a.xMin - b.xMin);
      for (let i = 1; i < ws.length; i++) {
        if (inColumn(ws[i].xMin) !== inColumn(ws[i - 1].xMin)) expect(ws[i].xMin - ws[i - 1].xMax, `${ws[i - 1].text} | ${ws[i].text}`).toBeGreaterThanOrEqual(1.5 * CHAR_W);
      }
    }
    // The long action names are printed whole, not cut.
    for (const a of LONG_ACTIONS) expect(table.map((w) => w.text)).toContain(a);
    // The actor's name wraps under its id inside the actor column.
    const actor = bounds.find((b) => b.key === 'actor')!;
    expect(table.filter((w) => w.text === 'Hohenzollern-Sigmaringen' || w.text.startsWith('Hohenzollern')).every((w) => w.xMax <= actor.x1 + 0.5)).toBe(true);
    expect(CELL_LINES).toBe(2);
  });
});
