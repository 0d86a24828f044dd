import { isUtf8 } from 'node:buffer';
import { JsonNumber, type TJsonObject, type TJsonValue } from '@/lib/ingest/json-value';

// Strict JSON for signed telemetry. What a lenient parser would smooth over is refused instead:
// a record whose bytes can be read two ways cannot be attributed (21 CFR 11.10(a), ALCOA+).
// - duplicate keys: `{"a":1,"a":2}` means 1 to one reader and 2 to another, also after
//   unescaping (`"\u0061"` is `"a"`);
// - NaN / Infinity / -Infinity: Python's json.dumps writes them by default, they are not JSON,
//   and a float literal that overflows (`1e400`) is refused for the same reason, since Python
//   reads it as inf;
// - lone surrogates (`"\ud800"`): Python accepts and re-emits them, but they cannot be stored as
//   UTF-8 text (PostgreSQL refuses them), so they are refused unless the caller asks to keep them;
// - bytes that are not UTF-8, a byte order mark, trailing data, nesting deeper than the limit.
// Numbers keep their source text (JsonNumber). The input is read in one pass over the bytes.

export type TStrictJsonErrorCode =
  | 'too_large'
  | 'invalid_utf8'
  | 'duplicate_key'
  | 'non_finite_number'
  | 'too_deep'
  | 'lone_surrogate'
  | 'syntax';

export class StrictJsonError extends Error {
  readonly code: TStrictJsonErrorCode;
  /** Offset in bytes into the input. */
  readonly position: number;

  constructor(code: TStrictJsonErrorCode, message: string, position: number) {
    super(`${message} (at byte ${position})`);
    this.name = 'StrictJsonError';
    this.code = code;
    this.position = position;
  }
}

export type TStrictJsonOptions = {
  /** Largest accepted input in bytes, checked before anything is read. Default 64 KiB. */
  maxBytes?: number;
  /** Deepest accepted nesting of arrays and objects; `[]` is depth 1. Default 32. */
  maxDepth?: number;
  /** 'reject' (default) refuses `\ud800`-style escapes that are not part of a pair. */
  loneSurrogates?: 'reject' | 'preserve';
};

export const STRICT_JSON_MAX_BYTES = 64 * 1024;
export const STRICT_JSON_MAX_DEPTH = 32;

/** Parses UTF-8 JSON bytes into a tree of TJsonValue; throws StrictJsonError. */
export function parseStrictJson(raw: Uint8Array, options: TStrictJsonOptions = {}): TJsonValue {
  const maxBytes = options.maxBytes ?? STRICT_JSON_MAX_BYTES;
  if (raw.length > maxBytes) {
    throw new StrictJsonError('too_large', `input is ${raw.length} bytes, over the ${maxBytes}-byte limit`, maxBytes);
  }
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (!isUtf8(buf)) {
    throw new StrictJsonError('invalid_utf8', 'input is not valid UTF-8', firstInvalidUtf8(buf));
  }
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    throw new StrictJsonError('syntax', 'a byte order mark is not allowed', 0);
  }
  const parser = new Parser(buf, options.maxDepth ?? STRICT_JSON_MAX_DEPTH, options.loneSurrogates === 'preserve');
  return parser.document();
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

class Parser {
  private pos = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly maxDepth: number,
    private readonly keepLoneSurrogates: boolean,
  ) {}

  document(): TJsonValue {
    this.skipWhitespace();
    const value = this.value(0);
    this.skipWhitespace();
    if (this.pos < this.buf.length) throw this.unexpected('after the end of the JSON value');
    return value;
  }

  private skipWhitespace(): void {
    const b = this.buf;
    let p = this.pos;
    while (p < b.length) {
      const c = b[p];
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
  }

  private value(depth: number): TJsonValue {
    const c = this.buf[this.pos];
    switch (c) {
      case 0x7b:
        return this.object(depth + 1);
      case 0x5b:
        return this.array(depth + 1);
      case QUOTE:
        return this.string();
      case 0x74:
        this.literal('true');
        return true;
      case 0x66:
        this.literal('false');
        return false;
      case 0x6e:
        this.literal('null');
        return null;
      case 0x4e:
        if (this.startsWith(this.pos, 'NaN')) throw this.nonFinite('NaN', this.pos);
        break;
      case 0x49:
        if (this.startsWith(this.pos, 'Infinity')) throw this.nonFinite('Infinity', this.pos);
        break;
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    }
    throw this.unexpected('where a value was expected');
  }

  private object(depth: number): TJsonObject {
    if (depth > this.maxDepth) {
      throw new StrictJsonError('too_deep', `nesting is deeper than ${this.maxDepth}`, this.pos);
    }
    const b = this.buf;
    // A plain object: V8 keeps these in fast mode, where Object.create(null) objects are
    // dictionaries (measured: parse, zod and canonical form all ~2-3x slower).
    const obj: TJsonObject = {};
    this.pos++;
    this.skipWhitespace();
    if (b[this.pos] === 0x7d) {
      this.pos++;
      return obj;
    }
    for (;;) {
      if (b[this.pos] !== QUOTE) throw this.unexpected('where an object key was expected');
      const keyAt = this.pos;
      const key = this.string();
      if (Object.hasOwn(obj, key)) {
        throw new StrictJsonError('duplicate_key', `duplicate object key ${quoteForMessage(key)}`, keyAt);
      }
      this.skipWhitespace();
      if (b[this.pos] !== 0x3a) throw this.unexpected("where ':' was expected");
      this.pos++;
      this.skipWhitespace();
      const value = this.value(depth);
      if (key === '__proto__') {
        // Assignment would replace the prototype; define an own property, as JSON.parse does.
        Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
      } else {
        obj[key] = value;
      }
      this.skipWhitespace();
      const c = b[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWhitespace();
      } else if (c === 0x7d) {
        this.pos++;
        return obj;
      } else {
        throw this.unexpected("where ',' or '}' was expected");
      }
    }
  }

  private array(depth: number): TJsonValue[] {
    if (depth > this.maxDepth) {
      throw new StrictJsonError('too_deep', `nesting is deeper than ${this.maxDepth}`, this.pos);
    }
    const b = this.buf;
    const items: TJsonValue[] = [];
    this.pos++;
    this.skipWhitespace();
    if (b[this.pos] === 0x5d) {
      this.pos++;
      return items;
    }
    for (;;) {
      items.push(this.value(depth));
      this.skipWhitespace();
      const c = b[this.pos];
      if (c === 0x2c) {
        this.pos++;
        this.skipWhitespace();
      } else if (c === 0x5d) {
        this.pos++;
        return items;
      } else {
        throw this.unexpected("where ',' or ']' was expected");
      }
    }
  }

  private number(): JsonNumber {
    const b = this.buf;
    const start = this.pos;
    let p = start;
    if (b[p] === 0x2d) {
      p++;
      if (this.startsWith(p, 'Infinity')) throw this.nonFinite('-Infinity', start);
    }
    if (b[p] === 0x30) {
      p++;
    } else if (b[p] >= 0x31 && b[p] <= 0x39) {
      while (b[p] >= 0x30 && b[p] <= 0x39) p++;
    } else {
      this.pos = p;
      throw this.unexpected('where a digit was expected');
    }
    let isFloat = false;
    let hasExponent = false;
    if (b[p] === 0x2e) {
      isFloat = true;
      p++;
      if (!(b[p] >= 0x30 && b[p] <= 0x39)) {
        this.pos = p;
        throw this.unexpected('where a digit was expected after the decimal point');
      }
      while (b[p] >= 0x30 && b[p] <= 0x39) p++;
    }
    if (b[p] === 0x65 || b[p] === 0x45) {
      isFloat = true;
      hasExponent = true;
      p++;
      if (b[p] === 0x2b || b[p] === 0x2d) p++;
      if (!(b[p] >= 0x30 && b[p] <= 0x39)) {
        this.pos = p;
        throw this.unexpected('where a digit was expected in the exponent');
      }
      while (b[p] >= 0x30 && b[p] <= 0x39) p++;
    }
    this.pos = p;
    const text = b.toString('latin1', start, p);
    // Python reads a float literal into a double: past ~1.8e308 it becomes inf, which
    // json.dumps would then write as Infinity. Integers have no such limit.
    if (isFloat && (hasExponent || p - start > 308) && !Number.isFinite(Number(text))) {
      throw new StrictJsonError('non_finite_number', `${abbreviate(text)} overflows a double to infinity`, start);
    }
    return new JsonNumber(text);
  }

  /** Reads a string at `pos` (the opening quote). ASCII without escapes is sliced directly. */
  private string(): string {
    const b = this.buf;
    const end = b.length;
    const start = this.pos + 1;
    let p = start;
    while (p < end) {
      const c = b[p];
      if (c === QUOTE) {
        this.pos = p + 1;
        return b.toString('latin1', start, p);
      }
      if (c === BACKSLASH || c < 0x20 || c >= 0x80) break;
      p++;
    }
    return this.stringWithEscapes(start, p);
  }

  private stringWithEscapes(start: number, from: number): string {
    const b = this.buf;
    const end = b.length;
    let out = '';
    let chunk = start;
    let p = from;
    for (;;) {
      if (p >= end) throw new StrictJsonError('syntax', 'unterminated string', start - 1);
      const c = b[p];
      if (c === QUOTE) {
        // The input is valid UTF-8 and chunks end at ASCII bytes, so no sequence is split.
        this.pos = p + 1;
        return out + b.toString('utf8', chunk, p);
      }
      if (c < 0x20) {
        throw new StrictJsonError('syntax', `unescaped control character 0x${hex2(c)} in a string`, p);
      }
      if (c !== BACKSLASH) {
        p++;
        continue;
      }
      out += b.toString('utf8', chunk, p);
      const e = b[p + 1];
      switch (e) {
        case QUOTE:
          out += '"';
          break;
        case BACKSLASH:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case 0x66:
          out += '\f';
          break;
        case 0x6e:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case 0x74:
          out += '\t';
          break;
        case 0x75: {
          const unit = this.hex4(p + 2, p);
          if (unit >= 0xd800 && unit <= 0xdbff && b[p + 6] === BACKSLASH && b[p + 7] === 0x75) {
            const low = this.hex4(p + 8, p + 6);
            if (low >= 0xdc00 && low <= 0xdfff) {
              out += String.fromCharCode(unit, low);
              p += 12;
              chunk = p;
              continue;
            }
          }
          if (unit >= 0xd800 && unit <= 0xdfff && !this.keepLoneSurrogates) {
            throw new StrictJsonError(
              'lone_surrogate',
              `\\u${hex4(unit)} is half of a surrogate pair with no other half`,
              p,
            );
          }
          out += String.fromCharCode(unit);
          p += 6;
          chunk = p;
          continue;
        }
        default:
          throw new StrictJsonError('syntax', 'invalid escape sequence in a string', p);
      }
      p += 2;
      chunk = p;
    }
  }

  private hex4(at: number, escapeAt: number): number {
    let v = 0;
    for (let i = at; i < at + 4; i++) {
      const c = this.buf[i];
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
      else throw new StrictJsonError('syntax', '\\u must be followed by four hex digits', escapeAt);
      v = (v << 4) | d;
    }
    return v;
  }

  private literal(word: string): void {
    if (!this.startsWith(this.pos, word)) throw this.unexpected('where a value was expected');
    this.pos += word.length;
  }

  private startsWith(at: number, word: string): boolean {
    if (at + word.length > this.buf.length) return false;
    for (let i = 0; i < word.length; i++) {
      if (this.buf[at + i] !== word.charCodeAt(i)) return false;
    }
    return true;
  }

  private nonFinite(token: string, at: number): StrictJsonError {
    return new StrictJsonError(
      'non_finite_number',
      `${token} is not a JSON number (Python's json.dumps writes it unless allow_nan=False)`,
      at,
    );
  }

  private unexpected(where: string): StrictJsonError {
    if (this.pos >= this.buf.length) return new StrictJsonError('syntax', `unexpected end of input ${where}`, this.pos);
    const c = this.buf[this.pos];
    const what = c >= 0x21 && c <= 0x7e ? `'${String.fromCharCode(c)}'` : `byte 0x${hex2(c)}`;
    return new StrictJsonError('syntax', `unexpected ${what} ${where}`, this.pos);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function abbreviate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function quoteForMessage(key: string): string {
  return JSON.stringify(abbreviate(key));
}

/** Offset of the first byte that does not begin or continue a well-formed UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += need + 1;
  }
  return b.length;
}
