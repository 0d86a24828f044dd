import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, pythonCanonicalJson } from '@/lib/ingest/python-canonical';
import { parseStrictJson } from '@/lib/ingest/strict-json';

function canonical(json: string, exclude?: string[]): string {
  const tree = parseStrictJson(Buffer.from(json, 'utf8'), { loneSurrogates: 'preserve' });
  return pythonCanonicalJson(tree, exclude ? { excludeTopLevelKeys: new Set(exclude) } : {}).toString('latin1');
}

describe('pythonCanonicalJson', () => {
  it('sorts keys, drops whitespace and keeps number text', () => {
    expect(canonical('{ "b": [2.0, 1e-07, -0.0, 1e+16, 18446744073709551617], "a": {"z": null, "y": true} }')).toBe(
      '{"a":{"y":true,"z":null},"b":[2.0,1e-07,-0.0,1e+16,18446744073709551617]}',
    );
  });

  it('sorts by code point: U+E000 before an emoji, though UTF-16 order says the reverse', () => {
    expect(canonical('{"😀":1,"\\ue000":2}')).toBe('{"\\ue000":2,"\\ud83d\\ude00":1}');
    expect(['😀', '\ue000'].sort()).toEqual(['😀', '\ue000']); // what a plain JS sort would write
  });

  it('escapes like Python with ensure_ascii: named escapes, lowercase \\u, DEL escaped, / kept', () => {
    expect(canonical('["\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f\\u0080é😀"]')).toBe(
      '["\\"\\\\/\\b\\f\\n\\r\\t\\u0000\\u001f\\u007f\\u0080\\u00e9\\ud83d\\ude00"]',
    );
  });

  it('leaves out the excluded keys at the top level only', () => {
    expect(canonical('{"schema_hash":"x","a":{"schema_hash":1},"signature_manifest":{}}', ['schema_hash', 'signature_manifest'])).toBe(
      '{"a":{"schema_hash":1}}',
    );
  });

  it('writes a __proto__ key like any other', () => {
    expect(canonical('{"z":0,"__proto__":{"b":1,"a":2}}')).toBe('{"__proto__":{"a":2,"b":1},"z":0}');
  });

  it('writes scalars and empty containers', () => {
    expect(canonical('[[],{},"",0,null]')).toBe('[[],{},"",0,null]');
    expect(canonical('"x"')).toBe('"x"');
  });
});

describe('compareCodePoints', () => {
  it('orders lone surrogates by their own value, below U+E000 and astral characters', () => {
    const keys = ['\ue000', '\u{1f600}', '\ud800', 'a', '\udfff', '\ud83d', '\ud83dx', '\uffff', '\u{10000}'];
    expect(keys.sort(compareCodePoints)).toEqual(['a', '\ud800', '\ud83d', '\ud83dx', '\udfff', '\ue000', '\uffff', '\u{10000}', '\u{1f600}']);
  });

  it('compares a pair with a lone high surrogate sharing the same first unit', () => {
    expect(compareCodePoints('\u{1f600}', '\ud83d\ud83d\ude00')).toBeGreaterThan(0);
    expect(compareCodePoints('\ud83d', '\u{1f600}')).toBeLessThan(0);
    expect(compareCodePoints('\u{1f600}', '\u{1f601}')).toBeLessThan(0);
  });
});

type TCanonicalVector = {
  name: string;
  lone_surrogates: boolean;
  inputs_b64: string[];
  python_canonical_b64: string;
  python_canonical_sha256: string;
};

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../tests/vectors/python-canonical-vectors.json'), 'utf8'),
) as { cases: TCanonicalVector[] };

describe('python-canonical-vectors.json (CPython json.dumps(sort_keys=True, separators=(",", ":")))', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: our bytes equal Python\'s', (_name, c) => {
    const expected = Buffer.from(c.python_canonical_b64, 'base64');
    expect(createHash('sha256').update(expected).digest('hex')).toBe(c.python_canonical_sha256);
    for (const input of c.inputs_b64) {
      const tree = parseStrictJson(Buffer.from(input, 'base64'), c.lone_surrogates ? { loneSurrogates: 'preserve' } : {});
      expect(pythonCanonicalJson(tree).toString('latin1')).toBe(expected.toString('latin1'));
    }
  });

  it('includes a case a UTF-16 key sort gets wrong, so the vectors can catch one', () => {
    const c = vectors.cases.find((v) => v.name === 'emoji_vs_private_use');
    const python = Buffer.from(c!.python_canonical_b64, 'base64').toString('latin1');
    expect(python).toBe('{"\\ue000":2,"\\ud83d\\ude00":1}');
    expect(Object.keys({ '\ue000': 2, '😀': 1 }).sort()).toEqual(['😀', '\ue000']);
  });
});
