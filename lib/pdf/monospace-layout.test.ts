import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { registerFonts } from '@/lib/pdf/fonts';
import { installMonospaceLayout } from '@/lib/pdf/monospace-layout';

type TFont = { encode(text: string): [string[], Array<{ xAdvance: number; xOffset: number; yOffset: number }>]; widthOfString(s: string, size: number): number };

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
});
