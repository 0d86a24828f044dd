import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonCanonicalJson } from '@/lib/ingest/python-canonical';
import { parseStrictJson } from '@/lib/ingest/strict-json';
import { verifyHmacPayload, type TDeviceKeyLookup } from '@/lib/ingest/verify-hmac-payload';

type TExpect = {
  ok: boolean;
  reason?: string;
  json_error?: string;
  device_id?: string;
  key_version?: number;
  value_text?: string;
  unit?: string;
  timestamp_utc?: string;
};

type TSeed000Case = {
  name: string;
  note: string;
  published_b64: string;
  python_canonical_b64?: string;
  schema_hash?: string;
  hmac?: string;
  secret_hex?: string;
  key_version?: number;
  python_accepts: boolean;
  expect: TExpect;
  expect_preserve?: TExpect;
};

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../tests/vectors/seed000-vectors.json'), 'utf8'),
) as { keyring: Record<string, Record<string, string>>; cases: TSeed000Case[] };

const lookupKey: TDeviceKeyLookup = (deviceId, keyVersion) => {
  const versions = vectors.keyring[deviceId];
  if (!versions) return null;
  const hex = versions[String(keyVersion)];
  return hex ? Buffer.from(hex, 'hex') : 'unknown_key_version';
};

const EXCLUDED = new Set(['schema_hash', 'signature_manifest']);

function expectResult(raw: Buffer, expected: TExpect, preserve = false): void {
  const result = verifyHmacPayload({ raw, lookupKey, parse: preserve ? { loneSurrogates: 'preserve' } : undefined });
  if (expected.ok) {
    expect(result).toEqual({
      ok: true,
      deviceId: expected.device_id,
      keyVersion: expected.key_version,
      canonicalHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      reading: { valueText: expected.value_text, unit: expected.unit, timestampUtc: expected.timestamp_utc },
    });
  } else {
    expect(result).toMatchObject({ ok: false, reason: expected.reason });
    if (expected.json_error) expect(result).toMatchObject({ jsonError: expected.json_error });
  }
}

describe('seed000-vectors.json (Part11PayloadBuilder output)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const raw = Buffer.from(c.published_b64, 'base64');
    expectResult(raw, c.expect);
    if (c.expect_preserve) expectResult(raw, c.expect_preserve, true);
  });

  const signed = vectors.cases.filter((c) => c.python_canonical_b64 && (c.expect.ok || c.expect_preserve?.ok));

  it.each(signed.map((c) => [c.name, c] as const))('%s: canonical bytes, schema_hash and HMAC equal Python\'s', (_name, c) => {
    const tree = parseStrictJson(Buffer.from(c.published_b64, 'base64'), { loneSurrogates: 'preserve' });
    const ours = pythonCanonicalJson(tree, { excludeTopLevelKeys: EXCLUDED });
    expect(ours.toString('latin1')).toBe(Buffer.from(c.python_canonical_b64!, 'base64').toString('latin1'));
    expect(createHash('sha256').update(ours).digest('hex')).toBe(c.schema_hash);
    expect(createHmac('sha256', Buffer.from(c.secret_hex!, 'hex')).update(ours).digest('hex')).toBe(c.hmac);
  });

  it('covers the cases that catch a UTF-16 key sort and re-formatted floats', () => {
    const names = new Set(vectors.cases.map((c) => c.name));
    for (const name of ['codepoint_key_order', 'float_dot_zero', 'exponent_small', 'exponent_large', 'negative_zero', 'big_integers', 'unit_emoji', 'control_characters']) {
      expect(names.has(name), name).toBe(true);
    }
  });

  it('documents where Custos is stricter than the seed: Python accepts NaN and equal duplicates', () => {
    const stricter = vectors.cases.filter((c) => c.python_accepts && !c.expect.ok).map((c) => c.name);
    expect(stricter).toEqual(expect.arrayContaining(['nan_value', 'infinity_value', 'duplicate_key_same_value', 'lone_surrogate', 'too_deep']));
  });
});

describe('verifyHmacPayload', () => {
  const typical = vectors.cases.find((c) => c.name === 'typical')!;
  const raw = Buffer.from(typical.published_b64, 'base64');

  it('treats a lookup that only knows Buffer | null as device-level: null is unknown_device', () => {
    const plain = (): Buffer | null => null;
    expect(verifyHmacPayload({ raw, lookupKey: plain })).toMatchObject({ ok: false, reason: 'unknown_device', deviceId: 'EDGE-TH-0042' });
  });

  it('asks for key version 1 when signature_manifest has no key_version', () => {
    const asked: number[] = [];
    verifyHmacPayload({ raw, lookupKey: (id, v) => (asked.push(v), lookupKey(id, v)) });
    expect(asked).toEqual([1]);
  });

  it('returns the SHA-256 of the canonical bytes, which is the schema_hash', () => {
    const result = verifyHmacPayload({ raw, lookupKey });
    expect(result.ok && result.canonicalHash).toBe(typical.schema_hash);
  });

  it('refuses a payload whose signature_manifest is not an object', () => {
    const doc = JSON.parse(raw.toString('utf8'));
    doc.signature_manifest = 'x';
    expect(verifyHmacPayload({ raw: Buffer.from(JSON.stringify(doc)), lookupKey })).toMatchObject({ ok: false, reason: 'schema' });
  });

  it('honours a smaller byte cap', () => {
    expect(verifyHmacPayload({ raw, lookupKey, parse: { maxBytes: 100 } })).toMatchObject({ ok: false, reason: 'malformed', jsonError: 'too_large' });
  });
});
