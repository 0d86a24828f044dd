import { describe, expect, it } from 'vitest';
import { safePreview } from '@/lib/telemetry/safe-preview';

const b = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

describe('safe preview of quarantined bytes', () => {
  it('keeps printable UTF-8 as it is', () => {
    expect(safePreview(b('{"unit":"°C","v":4.5}'))).toEqual({ text: '{"unit":"°C","v":4.5}', truncated: false });
  });

  it('escapes control characters, backslashes and invalid bytes', () => {
    const bytes = new Uint8Array([0x61, 0x00, 0x0a, 0x5c, 0xff, 0xc0, 0xaf, 0x1b, 0x62]);
    expect(safePreview(bytes).text).toBe('a\\x00\\n\\\\\\xFF\\xC0\\xAF\\x1Bb');
  });

  it('escapes invisible and direction-changing characters', () => {
    expect(safePreview(b('ok\u202Eevil\u200B\uFEFF')).text).toBe('ok\\u{202E}evil\\u{200B}\\u{FEFF}');
  });

  it('refuses UTF-8 encodings of surrogates and overlong forms', () => {
    expect(safePreview(new Uint8Array([0xed, 0xa0, 0x80])).text).toBe('\\xED\\xA0\\x80');
    expect(safePreview(new Uint8Array([0xe0, 0x80, 0xaf])).text).toBe('\\xE0\\x80\\xAF');
  });

  it('stops at maxChars and says the preview is cut', () => {
    expect(safePreview(b('abcdef'), 3)).toEqual({ text: 'abc', truncated: true });
    expect(safePreview(b('abc'), 3, 500)).toEqual({ text: 'abc', truncated: true });
  });

  it('does not show a character cut in half by the head of a longer message as invalid', () => {
    const head = b('x°').subarray(0, 2);
    expect(safePreview(head, 120, 10)).toEqual({ text: 'x', truncated: true });
  });
});
