import { describe, expect, it } from 'vitest';
import { JsonNumber, type TJsonValue } from '@/lib/ingest/json-value';
import { parseStrictJson, StrictJsonError, type TStrictJsonOptions } from '@/lib/ingest/strict-json';

function parse(text: string | Buffer, options?: TStrictJsonOptions): TJsonValue {
  return parseStrictJson(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, options);
}

function failure(text: string | Buffer, options?: TStrictJsonOptions): StrictJsonError {
  try {
    parse(text, options);
  } catch (e) {
    if (e instanceof StrictJsonError) return e;
    throw e;
  }
  throw new Error(`expected ${String(text)} to be refused`);
}

describe('parseStrictJson', () => {
  it('reads objects, arrays, strings, literals and keeps number text', () => {
    const v = parse(' {"a": [1, 2.0, -0.0, 1e-07, 1E+16, 18446744073709551617], "b": {"c": null, "t": true, "f": false}, "s": "x"} ');
    expect(v).toEqual({
      a: [new JsonNumber('1'), new JsonNumber('2.0'), new JsonNumber('-0.0'), new JsonNumber('1e-07'), new JsonNumber('1E+16'), new JsonNumber('18446744073709551617')],
      b: { c: null, t: true, f: false },
      s: 'x',
    });
  });

  it('keeps __proto__ as an own key and never as the prototype', () => {
    const v = parse('{"__proto__": {"polluted": true}, "constructor": 1}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__', 'constructor']);
    expect(Object.hasOwn(v, '__proto__')).toBe(true);
    expect((v as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(failure('{"__proto__":1,"__proto__":2}').code).toBe('duplicate_key');
  });

  it('does not mistake inherited names for duplicate keys', () => {
    expect(Object.keys(parse('{"toString":1,"hasOwnProperty":2,"constructor":3}') as object)).toEqual(['toString', 'hasOwnProperty', 'constructor']);
  });

  it('decodes every escape, escaped surrogate pairs and raw UTF-8', () => {
    expect(parse('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\u00E9\\ud83d\\ude00"')).toBe('"\\/\b\f\n\r\t\u00e9\u00e9\u{1f600}');
    expect(parse('"°C µ 摂氏 😀 𝄞"')).toBe('°C µ 摂氏 😀 𝄞');
    expect(parse('"a\\u0000b\u007f"')).toBe('a\u0000b\u007f');
  });

  it('refuses a duplicate key, also when one spelling is escaped', () => {
    expect(failure('{"a":1,"a":2}')).toMatchObject({ code: 'duplicate_key', position: 7 });
    expect(failure('{"a":1,"\\u0061":1}').code).toBe('duplicate_key');
    expect(failure('{"x":{"k":[],"k":[]}}').code).toBe('duplicate_key');
    expect(failure('{"\\ud83d\\ude00":1,"😀":2}').code).toBe('duplicate_key');
  });

  it('refuses NaN, Infinity and -Infinity with a reason that names them', () => {
    for (const token of ['NaN', 'Infinity', '-Infinity']) {
      const e = failure(`{"v": ${token}}`);
      expect(e.code).toBe('non_finite_number');
      expect(e.message).toContain(token);
      expect(e.position).toBe(6);
    }
  });

  it('refuses float literals that overflow a double, as Python reads them as inf', () => {
    expect(failure('1e400').code).toBe('non_finite_number');
    expect(failure('-1.5E+309').code).toBe('non_finite_number');
    expect(failure(`${'9'.repeat(400)}.0`).code).toBe('non_finite_number');
    expect(parse('1.7976931348623157e+308')).toEqual(new JsonNumber('1.7976931348623157e+308'));
    expect(parse('9'.repeat(400))).toEqual(new JsonNumber('9'.repeat(400)));
  });

  it('refuses numbers JSON does not allow', () => {
    for (const text of ['01', '-', '1.', '.5', '1e', '+1', '0x10', '1.5e+', '- 1']) {
      expect(failure(text).code, text).toBe('syntax');
    }
  });

  it('refuses input over the byte cap before reading it', () => {
    const text = `"${'x'.repeat(100)}"`;
    expect(failure(text, { maxBytes: 50 })).toMatchObject({ code: 'too_large' });
    expect(parse(text, { maxBytes: 102 })).toBe('x'.repeat(100));
    expect(failure(Buffer.alloc(64 * 1024 + 1, 0x20)).code).toBe('too_large');
  });

  it('refuses invalid UTF-8 and reports where it starts', () => {
    expect(failure(Buffer.from([0x22, 0x61, 0xff, 0x22]))).toMatchObject({ code: 'invalid_utf8', position: 2 });
    expect(failure(Buffer.from([0x22, 0xc0, 0xaf, 0x22])).code).toBe('invalid_utf8'); // overlong '/'
    expect(failure(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22])).code).toBe('invalid_utf8'); // encoded surrogate
    expect(failure(Buffer.from([0x22, 0xe2, 0x82, 0x22])).code).toBe('invalid_utf8'); // truncated
  });

  it('refuses a byte order mark', () => {
    expect(failure(Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])).code).toBe('syntax');
  });

  it('refuses nesting deeper than the limit and accepts it at the limit', () => {
    expect(parse('['.repeat(32) + ']'.repeat(32))).toBeDefined();
    expect(failure('['.repeat(33) + ']'.repeat(33))).toMatchObject({ code: 'too_deep', position: 32 });
    expect(failure('{"a":'.repeat(4) + '1' + '}'.repeat(4), { maxDepth: 3 }).code).toBe('too_deep');
  });

  it('refuses trailing data after the value', () => {
    expect(failure('{} x')).toMatchObject({ code: 'syntax', position: 3 });
    expect(failure('{}{}').code).toBe('syntax');
    expect(failure('1 2').code).toBe('syntax');
    expect(parse('\n\t {} \r\n')).toEqual({});
  });

  it('refuses what lenient parsers accept', () => {
    for (const text of ['', ' ', '{"a":1,}', '[1,]', "{'a':1}", '{a:1}', '"\t"', '"\\x41"', '"\\u12"', '"abc', '// c\n1', 'tru', 'nul', '[1 2]', '{"a" 1}']) {
      expect(failure(text).code, JSON.stringify(text)).toBe('syntax');
    }
  });

  it('refuses lone surrogates by default and keeps them when asked, as Python does', () => {
    for (const text of ['"\\ud800"', '"\\udfff"', '"\\ud83dx"', '"\\ude00\\ud83d"', '"\\ud800\\ud800"']) {
      expect(failure(text).code, text).toBe('lone_surrogate');
    }
    expect(parse('"\\ud800x\\udfff"', { loneSurrogates: 'preserve' })).toBe('\ud800x\udfff');
    expect(parse('"\\ud83d\\ud83d\\ude00"', { loneSurrogates: 'preserve' })).toBe('\ud83d\u{1f600}');
  });

  it('gives the byte position of a syntax error in a human message', () => {
    const e = failure('{"a": [1, 2,, 3]}');
    expect(e).toMatchObject({ code: 'syntax', position: 12 });
    expect(e.message).toBe("unexpected ',' where a value was expected (at byte 12)");
  });

  it('accepts a Uint8Array that is not a Buffer', () => {
    expect(parseStrictJson(new TextEncoder().encode('{"k":"v"}'))).toEqual({ k: 'v' });
  });
});
