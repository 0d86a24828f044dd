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
  id?: string;
  ref?: () => unknown;
  ascender?: number;
}

/**
 * Text in the monospaced font written straight into a page's content stream (see
 * write-pdf.ts): what pdfkit's text() does for one line without line breaking, width
 * measurement, per-call state, or a TJ array (monospaced text has no kerning to adjust).
 */
export interface TMonospaceText {
  /** The font's resource name (`/F2`), registered on `page` (pdfkit embeds it at the end). */
  useOn(page: PDFKit.PDFPage): string;
  /**
   * The text's glyph codes in the embedded subset as a PDF literal string, `(…)`, two bytes a
   * glyph (Identity-H), in a latin1 JS string: half the bytes of pdfkit's hex strings, so half
   * the content stream to deflate. Null when the text needs shaping (use doc.text()).
   */
  pdfString(text: string): string | null;
  /** Distance from the top of a line to its baseline, at `size`. */
  ascent(size: number): number;
}

/** One code point of SIMPLE_TEXT (a UTF-16 code unit outside the surrogates). */
function isSimple(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0x2af) ||
    (c >= 0x370 && c <= 0x3ff) ||
    (c >= 0x400 && c <= 0x4ff) ||
    (c >= 0x2010 && c <= 0x2027) ||
    (c >= 0x2030 && c <= 0x205e) ||
    c === 0x20ac
  );
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
export function installMonospaceLayout(doc: PDFKit.PDFDocument, fontName: string): TMonospaceText | null {
  doc.font(fontName);
  const f = (doc as unknown as { _font?: TEmbeddedFont })._font;
  const glyphFor = f?.font?.glyphForCodePoint?.bind(f.font);
  const { subset, widths, unicode, scale } = f ?? {};
  if (
    !f ||
    !glyphFor ||
    !subset ||
    !widths ||
    !unicode ||
    typeof scale !== 'number' ||
    typeof f.layout !== 'function' ||
    typeof f.encode !== 'function' ||
    typeof f.id !== 'string' ||
    typeof f.ref !== 'function' ||
    typeof f.ascender !== 'number'
  ) {
    return null; // the built-in Courier (no DejaVu installed) has no fontkit font
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
  const ensureHex = (g: { glyph: TFontkitGlyph; hex?: string }): string => {
    if (g.hex === undefined) {
      const gid = subset.includeGlyph(g.glyph.id);
      g.hex = gid.toString(16).padStart(4, '0');
      widths[gid] ??= g.glyph.advanceWidth * scale;
      unicode[gid] ??= g.glyph.codePoints;
    }
    return g.hex;
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
      hex[i] = ensureHex(g);
      positions[i] = g.position;
    }
    return [hex, positions];
  };

  // Glyph code bytes by UTF-16 code unit for the simple range (an array beats the Map for every
  // character), escaped for a literal string: \\ ( ) and the line ends (a bare CR or LF inside
  // a literal string is read as LF).
  const codeByUnit = new Array<string | undefined>(0x20ad).fill(undefined);
  const escape = (b: number) => (b === 0x28 || b === 0x29 || b === 0x5c ? `\\${String.fromCharCode(b)}` : b === 0x0a ? '\\n' : b === 0x0d ? '\\r' : String.fromCharCode(b));
  const font = f;
  return {
    useOn(page) {
      const fonts = (page as unknown as { fonts: Record<string, unknown> }).fonts;
      fonts[font.id!] ??= font.ref!();
      return `/${font.id}`;
    },
    pdfString(text) {
      let out = '(';
      for (let i = 0; i < text.length; i++) {
        const c = text.charCodeAt(i);
        let code = codeByUnit[c];
        if (code === undefined) {
          if (!isSimple(c)) return null;
          const gid = parseInt(ensureHex(lookup(c)), 16);
          code = codeByUnit[c] = escape(gid >> 8) + escape(gid & 0xff);
        }
        out += code;
      }
      return `${out})`;
    },
    ascent: (size) => (font.ascender! / 1000) * size,
  };
}

