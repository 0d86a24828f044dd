import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { registerFonts } from '@/lib/pdf/fonts';
import { installMonospaceLayout } from '@/lib/pdf/monospace-layout';

type TFont = { encode(text: string): [string[], Array<{ xAdvance: number; xOffset: number; yOffset: number }>]; widthOfString(s: string, size: number): number };

/** The bytes of a PDF literal string `(…)` as hex (the escapes pdfString writes). */
function literalBytesHex(literal: string): string {
  expect(literal.startsWith('(') && literal.endsWith(')')).toBe(true);
  const bytes: number[] = [];
  for (let i = 1; i < literal.length - 1; i++) {
    let c = literal.charCodeAt(i);
    if (c === 0x5c) {
      const e = literal[++i];
      c = e === 'n' ? 0x0a : e === 'r' ? 0x0d : e.charCodeAt(0);
    } else {
      expect([0x28, 0x29, 0x0a, 0x0d]).not.toContain(c); // unescaped, they would change the string
    }
    bytes.push(c);
  }
  return Buffer.from(bytes).toString('hex');
}

// Every printable ASCII character, then Latin, Greek and Cyrillic: more than 128 glyphs, so the
// subset ids include 0x0a, 0x0d, 0x28, 0x29 and 0x5c, the bytes a literal string must escape.
const MANY = [
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)),
  ...'àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿ',
  ...'ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩαβγδ',
  ...'АБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЭЮЯ',
].join('');

function monoFont(fast: boolean): TFont {
  const doc = new PDFDocument({ autoFirstPage: false });
  const { mono } = registerFonts(doc);
  if (fast) installMonospaceLayout(doc, mono);
  doc.font(mono);
  return (doc as unknown as { _font: TFont })._font;
}

const hasDejaVu = existsSync('/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf');

describe.skipIf(!hasDejaVu)('monospace PDF layout', () => {
  it('encodes Latin, Greek and Cyrillic text to the same glyphs and advances as fontkit shaping', () => {
    const texts = ['298001 2026-11-17 01:04:46.879348 EMP-0094 Niels Johnson', 'Signed: Zoë Ødegård (E-7) — APPROVAL — 2026-11-17 UTC…', 'Δοκιμή · Проверка № 5 €'];
    const shaped = monoFont(false);
    const fast = monoFont(true);
    for (const t of texts) {
      const [hexA, posA] = shaped.encode(t);
      const [hexB, posB] = fast.encode(t);
      expect(hexB).toEqual(hexA);
      expect(posB.map((p) => p.xAdvance)).toEqual(posA.map((p) => p.xAdvance));
      expect(fast.widthOfString(t, 7.5)).toBeCloseTo(shaped.widthOfString(t, 7.5), 6);
    }
  });

  it('leaves text that needs shaping (combining marks, Arabic) to fontkit', () => {
    const fast = monoFont(true);
    const shaped = monoFont(false);
    for (const t of ['e\u0301te\u0301', 'سلام']) expect(fast.encode(t)[0]).toEqual(shaped.encode(t)[0]);
  });

  it('writes the same glyph codes as a PDF literal string, escaping the bytes that need it', () => {
    const doc = new PDFDocument({ autoFirstPage: false });
    const { mono } = registerFonts(doc);
    const text = installMonospaceLayout(doc, mono)!;
    const font = (doc as unknown as { _font: TFont })._font;
    for (const t of [MANY, `${MANY} again (nested (parens)) \\ back\\slash`, 'Signed: Zoë Ødegård (E-7) — APPROVAL — 2026-11-17 UTC…']) {
      const literal = text.pdfString(t);
      expect(literal).not.toBeNull();
      expect(literalBytesHex(literal!)).toBe(font.encode(t)[0].join(''));
    }
    expect(text.pdfString('e\u0301te\u0301')).toBeNull(); // combining marks: shaped by text()
    expect(text.pdfString('سلام')).toBeNull();
  });

  it.skipIf(!existsSync('/usr/bin/pdftotext'))('text written as literal strings is extracted back exactly', async () => {
    const doc = new PDFDocument({ size: [2400, 200], margin: 0 });
    const { mono } = registerFonts(doc);
    const text = installMonospaceLayout(doc, mono)!;
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    const ended = new Promise((r) => doc.on('end', r));
    const lines = [MANY, 'a (b) \\c) ((d', 'Signed: Zoë Ødegård (E-7) — APPROVAL'];
    let ops = `q 1 0 0 -1 0 200 cm BT ${text.useOn(doc.page)} 10 Tf\n`;
    lines.forEach((l, i) => (ops += `1 0 0 1 10 ${180 - i * 20} Tm ${text.pdfString(l)} Tj\n`));
    (doc as unknown as { addContent(b: Uint8Array): void }).addContent(Buffer.from(`${ops}ET Q\n`, 'latin1'));
    doc.end();
    await ended;
    const out = execFileSync('pdftotext', ['-raw', '-', '-'], { input: Buffer.concat(chunks) }).toString();
    // pdftotext drops the leading space of the first line (it is only an offset to it).
    expect(out.split('\n').slice(0, 3).map((l) => l.trim())).toEqual(lines.map((l) => l.trim()));
  });
});
