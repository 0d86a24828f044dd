import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pythonCanonicalJson } from '@/lib/ingest/python-canonical';
import { parseStrictJson } from '@/lib/ingest/strict-json';
import { verifyGatewayPayload, type TGatewayKeyLookup } from '@/lib/ingest/verify-gateway-payload';

type TExpect = {
  ok: boolean;
  reason?: string;
  json_error?: string;
  part?: string;
  gateway_id?: string;
  seq?: string;
  sensor_id?: string;
  value_text?: string;
  unit?: string;
  timestamp_utc?: string;
  stored_at_text?: string;
  canonical_sha256?: string;
};

type TSeed001Case = {
  name: string;
  note: string;
  body_b64: string;
  python_canonical_b64?: string;
  python_verifies: boolean;
  expect: TExpect;
  expect_preserve?: TExpect;
};

const vectors = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, '../../tests/vectors/seed001-vectors.json'), 'utf8'),
) as { gateway_id: string; public_key_pem: string; registered_sensors: string[]; cases: TSeed001Case[] };

const gatewayKey = { gatewayId: vectors.gateway_id, publicKey: createPublicKey(vectors.public_key_pem) };
const lookupKey: TGatewayKeyLookup = (sensorId) => (vectors.registered_sensors.includes(sensorId) ? gatewayKey : null);

function expectResult(raw: Buffer, expected: TExpect, preserve = false): void {
  const result = verifyGatewayPayload({ raw, lookupKey, parse: preserve ? { loneSurrogates: 'preserve' } : undefined });
  if (expected.ok) {
    expect(result).toEqual({
      ok: true,
      gatewayId: expected.gateway_id,
      seq: BigInt(expected.seq!),
      sensorId: expected.sensor_id,
      canonicalHash: expected.canonical_sha256,
      reading: { valueText: expected.value_text, unit: expected.unit, timestampUtc: expected.timestamp_utc },
      storedAtText: expected.stored_at_text,
    });
  } else {
    expect(result).toMatchObject({ ok: false, reason: expected.reason });
    if (expected.json_error) expect(result).toMatchObject({ jsonError: expected.json_error });
    if (expected.part) expect(result).toMatchObject({ part: expected.part });
  }
}

describe('seed001-vectors.json (SecureTelemetryGateway sync bodies as requests sends them)', () => {
  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const raw = Buffer.from(c.body_b64, 'base64');
    expectResult(raw, c.expect);
    if (c.expect_preserve) expectResult(raw, c.expect_preserve, true);
  });

  const fromGateway = vectors.cases.filter((c) => c.python_canonical_b64 && c.expect.ok);

  it.each(fromGateway.map((c) => [c.name, c] as const))('%s: the gateway\'s canonical text is our canonical form of it', (_name, c) => {
    const body = parseStrictJson(Buffer.from(c.body_b64, 'base64')) as { canonical: string };
    const signed = Buffer.from(c.python_canonical_b64!, 'base64');
    expect(Buffer.from(body.canonical, 'utf8').equals(signed)).toBe(true);
    expect(pythonCanonicalJson(parseStrictJson(signed)).equals(signed)).toBe(true);
  });

  it('agrees with a Python verifier on every signature it checks', () => {
    for (const c of vectors.cases) {
      if (c.expect.reason === 'bad_signature') expect(c.python_verifies, c.name).toBe(false);
      if (c.expect.ok) expect(c.python_verifies, c.name).toBe(true);
    }
  });
});

describe('verifyGatewayPayload', () => {
  const typical = vectors.cases.find((c) => c.name === 'typical')!;
  const raw = Buffer.from(typical.body_b64, 'base64');

  it('refuses to verify with a key that is not EC P-256', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    expect(() => verifyGatewayPayload({ raw, lookupKey: () => ({ gatewayId: 'GW-X', publicKey }) })).toThrow(/not an EC P-256/);
  });

  it('signs and verifies a body built here, over the exact canonical bytes', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const canonical = '{"sensor_id":"S-1","ts_utc":"2025-01-02T03:04:05+00:00","unit":"\\u00b0C","value":-0.0}';
    const sig = sign('sha256', Buffer.from(canonical), { key: privateKey, dsaEncoding: 'der' }).toString('hex');
    const body = Buffer.from(JSON.stringify({ seq: 0, canonical, sig, ts: 1735787045.5 }));
    expect(verifyGatewayPayload({ raw: body, lookupKey: () => ({ gatewayId: 'GW-1', publicKey }) })).toMatchObject({
      ok: true,
      seq: 0n,
      sensorId: 'S-1',
      reading: { valueText: '-0.0', unit: '°C', timestampUtc: '2025-01-02T03:04:05+00:00' },
    });
  });

  it('refuses a seq beyond a signed 64-bit integer', () => {
    const doc = JSON.parse(raw.toString('utf8'));
    const body = Buffer.from(JSON.stringify({ ...doc, seq: 0 }).replace('"seq":0', '"seq":9223372036854775808'));
    expect(verifyGatewayPayload({ raw: body, lookupKey })).toMatchObject({ ok: false, reason: 'schema', part: 'body' });
  });

  it('refuses a reading whose ts_utc is not a calendar date', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const canonical = '{"sensor_id":"S-1","ts_utc":"2025-02-30T03:04:05+00:00","unit":"C","value":1}';
    const sig = sign('sha256', Buffer.from(canonical), { key: privateKey, dsaEncoding: 'der' }).toString('hex');
    const body = Buffer.from(JSON.stringify({ seq: 1, canonical, sig, ts: 1.5 }));
    expect(verifyGatewayPayload({ raw: body, lookupKey: () => ({ gatewayId: 'GW-1', publicKey }) })).toMatchObject({
      ok: false,
      reason: 'schema',
      part: 'canonical',
    });
  });
});
