import { JsonNumber, isJsonObject, type TJsonObject, type TJsonValue } from '@/lib/ingest/json-value';

// The bytes CPython 3.11 produces for
//   json.dumps(obj, sort_keys=True, separators=(",", ":")).encode("utf-8")
// which is what both seed devices sign (HMAC in seed 000, ECDSA in seed 001). With the default
// ensure_ascii=True the output is ASCII:
// - keys sorted by code point, as Python compares str. JS sorts by UTF-16 code unit, which puts
//   astral characters (surrogates D800–DFFF) before U+E000–U+FFFF; Python puts them after;
// - `"` `\` and \n \r \t \b \f escaped by name, every other character outside ' '..'~'
//   (so also DEL 0x7f) as \uXXXX in lowercase hex, astral characters as their surrogate pair;
// - numbers as their source text: the sender's json.dumps already wrote Python's repr
//   (`2.0`, `1e-07`, `-0.0`, 20-digit integers), and a JS number would rewrite it.

export type TPythonCanonicalOptions = {
  /** Keys left out of the top-level object (seed 000: schema_hash, signature_manifest). */
  excludeTopLevelKeys?: ReadonlySet<string>;
};

export function pythonCanonicalJson(value: TJsonValue, options: TPythonCanonicalOptions = {}): Buffer {
  const text = options.excludeTopLevelKeys && isJsonObject(value) ? writeObject(value, options.excludeTopLevelKeys) : write(value);
  // Every character written is ASCII, so latin1 is the UTF-8 encoding and the fastest one.
  return Buffer.from(text, 'latin1');
}

function write(value: TJsonValue): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return quote(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    let out = '[' + write(value[0]);
    for (let i = 1; i < value.length; i++) out += ',' + write(value[i]);
    return out + ']';
  }
  if (isJsonObject(value)) return writeObject(value, null);
  throw new TypeError(`not a JSON tree value: ${typeof value}`);
}

function writeObject(obj: TJsonObject, exclude: ReadonlySet<string> | null): string {
  const keys = Object.keys(obj).sort(compareCodePoints);
  let out = '{';
  for (const key of keys) {
    if (exclude !== null && exclude.has(key)) continue;
    if (out.length > 1) out += ',';
    out += quote(key) + ':' + write(obj[key]);
  }
  return out + '}';
}

/**
 * Orders strings by Unicode code point, as Python compares `str`. Lone surrogates count as
 * their own value (U+D800..U+DFFF), as in Python.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    if (x < 0xd800 && y < 0xd800) return x - y;
    // Compare whole code points. If both strings share a high surrogate just before i and
    // either continues it with a low surrogate, the code point starts one unit earlier.
    let at = i;
    if (i > 0) {
      const prev = a.charCodeAt(i - 1);
      if (prev >= 0xd800 && prev <= 0xdbff && (isLowSurrogate(x) || isLowSurrogate(y))) at = i - 1;
    }
    return (a.codePointAt(at) as number) - (b.codePointAt(at) as number);
  }
  return a.length - b.length;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

const HEX = '0123456789abcdef';

/** Escapes for the ASCII range: null where the character is written as itself. */
const ASCII_ESCAPES: (string | null)[] = Array.from({ length: 0x80 }, (_, c) => {
  if (c === 0x22) return '\\"';
  if (c === 0x5c) return '\\\\';
  if (c === 0x0a) return '\\n';
  if (c === 0x0d) return '\\r';
  if (c === 0x09) return '\\t';
  if (c === 0x08) return '\\b';
  if (c === 0x0c) return '\\f';
  if (c < 0x20 || c === 0x7f) return unicodeEscape(c);
  return null;
});

function unicodeEscape(c: number): string {
  return '\\u' + HEX[(c >> 12) & 15] + HEX[(c >> 8) & 15] + HEX[(c >> 4) & 15] + HEX[c & 15];
}

function quote(s: string): string {
  let out = '"';
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) continue;
    if (i > last) out += s.slice(last, i);
    out += c < 0x80 ? (ASCII_ESCAPES[c] as string) : unicodeEscape(c);
    last = i + 1;
  }
  return (last === 0 ? out + s : out + s.slice(last)) + '"';
}
