// What this file needs of pdfkit's embedded (TrueType) font object: not in its public types.
interface TFontkitGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}
interface TGlyphPosition {
  xAdvance: number;
  yAdvance: number;
  xOffset: number;
  yOffset: number;
  advanceWidth: number;
}
type TLayout = (text: string, features?: unknown, onlyWidth?: boolean) => { glyphs: TFontkitGlyph[] | null; positions: TGlyphPosition[] | null; advanceWidth: number };
type TEncode = (text: string, features?: unknown) => [string[], TGlyphPosition[]];
interface TEmbeddedFont {
  font?: { glyphForCodePoint?: (cp: number) => TFontkitGlyph };
  subset?: { includeGlyph: (id: number) => number };
  widths?: number[];
  unicode?: number[][];
  scale?: number;
  layout?: TLayout;
  encode?: TEncode;
  layoutCache?: unknown;
}

/** Latin, Greek, Cyrillic and common punctuation: no joining, no combining marks, no bidi. */
const SIMPLE_TEXT = /^[\u0020-\u007e\u00a0-\u02af\u0370-\u03ff\u0400-\u04ff\u2010-\u2027\u2030-\u205e\u20ac]*$/;

/**
 * Fast text layout for a monospaced TrueType font registered with pdfkit.
 *
 * pdfkit shapes every string with fontkit's full OpenType layout (~100 µs a table cell): the
 * audit PDF export ran at about 1,000 rows/s. Text of simple scripts in a monospaced font needs
 * no shaping: one glyph per code point, fixed advance — the same glyphs, looked up once each.
 * Any other text (Arabic, Devanagari, combining marks…) still goes through fontkit.
 */
export function installMonospaceLayout(doc: PDFKit.PDFDocument, fontName: string): void {
  doc.font(fontName);
  const f = (doc as unknown as { _font?: TEmbeddedFont })._font;
  const glyphFor = f?.font?.glyphForCodePoint?.bind(f.font);
  const { subset, widths, unicode, scale } = f ?? {};
  if (!f || !glyphFor || !subset || !widths || !unicode || typeof scale !== 'number' || typeof f.layout !== 'function' || typeof f.encode !== 'function') {
    return; // the built-in Courier (no DejaVu installed) has no fontkit font
  }
  // pdfkit also keeps the layout of every distinct word for the life of the document: with a
  // seq, hash, id and time in every row, memory grew with the number of rows. Not for this font.
  f.layoutCache = undefined;
  const shapedLayout = f.layout.bind(f);
  const shapedEncode = f.encode.bind(f);
  // Per code point: the glyph, its position, and (once used) its id in the embedded subset —
  // exactly what pdfkit's encode() records (subset glyph, width, ToUnicode), done once.
  const cache = new Map<number, { glyph: TFontkitGlyph; position: TGlyphPosition; hex?: string }>();
  const lookup = (cp: number) => {
    let g = cache.get(cp);
    if (!g) {
      const glyph = glyphFor(cp);
      const advance = glyph.advanceWidth * scale;
      g = { glyph, position: { xAdvance: advance, yAdvance: 0, xOffset: 0, yOffset: 0, advanceWidth: advance } };
      cache.set(cp, g);
    }
    return g;
  };
  f.layout = (text, features, onlyWidth) => {
    if (features || !SIMPLE_TEXT.test(text)) return shapedLayout(text, features, onlyWidth);
    const glyphs: TFontkitGlyph[] | null = onlyWidth ? null : [];
    const positions: TGlyphPosition[] | null = onlyWidth ? null : [];
    let advanceWidth = 0;
    for (let i = 0; i < text.length; i++) {
      const g = lookup(text.charCodeAt(i));
      advanceWidth += g.position.xAdvance;
      glyphs?.push(g.glyph);
      positions?.push(g.position);
    }
    return { glyphs, positions, advanceWidth };
  };
  f.encode = (text, features) => {
    if (features || !SIMPLE_TEXT.test(text)) return shapedEncode(text, features);
    const hex: string[] = new Array(text.length);
    const positions: TGlyphPosition[] = new Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const g = lookup(text.charCodeAt(i));
      if (g.hex === undefined) {
        const gid = subset.includeGlyph(g.glyph.id);
        g.hex = gid.toString(16).padStart(4, '0');
        widths[gid] ??= g.glyph.advanceWidth * scale;
        unicode[gid] ??= g.glyph.codePoints;
      }
      hex[i] = g.hex;
      positions[i] = g.position;
    }
    return [hex, positions];
  };
}

