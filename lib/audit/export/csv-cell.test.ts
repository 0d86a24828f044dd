import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvLine, neutralize } from '@/lib/audit/export/csv-cell';

/** A minimal RFC 4180 reader, to check what a spreadsheet would load. */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = '';
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      i++;
    } else {
      const j = line.indexOf(',', i);
      const end = j === -1 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
    if (i > line.length) break;
  }
  return out;
}

describe('CSV cells', () => {
  it('[11.10(b)] neutralizes every cell starting with = + - @, tab or CR and keeps the rest of the text', () => {
    fc.assert(
      fc.property(fc.constantFrom('=', '+', '-', '@', '\t', '\r'), fc.string(), (first, rest) => {
        const cell = parseCsvLine(csvLine([`${first}${rest}`]).slice(0, -2))[0];
        expect(cell).toBe(`'${first}${rest}`);
      }),
    );
  });

  it('round-trips any other text exactly through an RFC 4180 reader', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 5 }), (cells) => {
        const safe = cells.map((c) => c.replace(/^[=+\-@\t\r]+/, ''));
        expect(parseCsvLine(csvLine(safe).slice(0, -2))).toEqual(safe);
      }),
    );
  });

  it('quotes commas, quotes and line breaks; leaves plain text alone', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell(null)).toBe('');
    expect(neutralize('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(csvLine(['a', 1])).toBe('a,1\r\n');
  });
});
