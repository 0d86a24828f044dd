// A quarantined message is untrusted bytes. It is shown only as text that cannot hide anything:
// valid UTF-8 letters, digits and punctuation as they are; control characters, invalid bytes,
// and invisible or direction-changing characters (e.g. U+202E, "Trojan Source") escaped.

const ESCAPES: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0d: '\\r', 0x5c: '\\\\' };

/** Characters that render as nothing or reorder the text around them. */
function invisible(cp: number): boolean {
  return (
    cp <= 0x1f ||
    (cp >= 0x7f && cp <= 0x9f) ||
    cp === 0xad ||
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x2028 && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0xfeff ||
    (cp >= 0xfff9 && cp <= 0xfffb) ||
    (cp >= 0xe000 && cp <= 0xf8ff) ||
    cp >= 0xf0000
  );
}

const hex = (n: number, width: number) => n.toString(16).toUpperCase().padStart(width, '0');

/** The length of a valid UTF-8 sequence starting at i, or 0 (overlong forms and surrogates are invalid). */
function sequenceLength(b: Uint8Array, i: number): number {
  const x = b[i];
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (x < 0x80) return 1;
  if (x >= 0xc2 && x <= 0xdf) return cont(1) ? 2 : 0;
  if (x >= 0xe0 && x <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (x === 0xe0 && b[i + 1] < 0xa0) return 0;
    if (x === 0xed && b[i + 1] >= 0xa0) return 0;
    return 3;
  }
  if (x >= 0xf0 && x <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (x === 0xf0 && b[i + 1] < 0x90) return 0;
    if (x === 0xf4 && b[i + 1] >= 0x90) return 0;
    return 4;
  }
  return 0;
}

/**
 * At most `maxChars` characters of preview (an escape counts as one); `truncated` when bytes were
 * left out, including when the caller passed only the head of a longer message (`totalBytes`).
 */
export function safePreview(bytes: Uint8Array, maxChars = 120, totalBytes = bytes.length): { text: string; truncated: boolean } {
  let out = '';
  let chars = 0;
  let i = 0;
  while (i < bytes.length && chars < maxChars) {
    const n = sequenceLength(bytes, i);
    // A sequence cut off by the head of a longer message: stop rather than show it as invalid.
    if (n === 0 && bytes.length < totalBytes && bytes.length - i < 4 && bytes[i] >= 0xc2) break;
    if (n === 0) {
      out += `\\x${hex(bytes[i], 2)}`;
      i += 1;
    } else {
      const cp = n === 1 ? bytes[i] : (Buffer.from(bytes.subarray(i, i + n)).toString('utf8').codePointAt(0) ?? 0xfffd);
      out += ESCAPES[cp] ?? (invisible(cp) ? (cp <= 0xff ? `\\x${hex(cp, 2)}` : `\\u{${hex(cp, 4)}}`) : String.fromCodePoint(cp));
      i += n;
    }
    chars += 1;
  }
  return { text: out, truncated: i < totalBytes };
}
