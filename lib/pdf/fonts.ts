import { existsSync } from 'node:fs';

// Text from users is printed as-is; a Unicode TrueType font (Debian's DejaVu) prints every
// character, the built-in Helvetica only Latin-1.
const CANDIDATES = {
  regular: ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'],
  bold: ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  mono: ['/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf'],
};

export function registerFonts(doc: PDFKit.PDFDocument): { regular: string; bold: string; mono: string } {
  const pick = (list: string[], fallback: string, name: string) => {
    const file = list.find((f) => existsSync(f));
    if (!file) return fallback;
    doc.registerFont(name, file);
    return name;
  };
  return {
    regular: pick(CANDIDATES.regular, 'Helvetica', 'custos-regular'),
    bold: pick(CANDIDATES.bold, 'Helvetica-Bold', 'custos-bold'),
    mono: pick(CANDIDATES.mono, 'Courier', 'custos-mono'),
  };
}
