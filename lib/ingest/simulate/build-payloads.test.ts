import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { buildGatewayBody, buildHmacPayload, pyFloat } from '@/lib/ingest/simulate/build-payloads';
import { verifyGatewayPayload } from '@/lib/ingest/verify-gateway-payload';
import { verifyHmacPayload } from '@/lib/ingest/verify-hmac-payload';

describe('simulator payloads', () => {
  it('builds seed 000 payloads the verifier accepts, and a tampered one it refuses', () => {
    const secret = randomBytes(32);
    const raw = buildHmacPayload({ deviceId: 'SIM-1', secret, value: pyFloat(4), previous: '3.9', keyVersion: 2 });
    expect(raw.toString()).toContain('"value":4.0');
    const ok = verifyHmacPayload({ raw, lookupKey: (d, v) => (d === 'SIM-1' && v === 2 ? secret : null) });
    expect(ok.ok).toBe(true);
    const bad = verifyHmacPayload({ raw: Buffer.from(raw.toString().replace('"value":4.0', '"value":4.1')), lookupKey: () => secret });
    expect(bad).toMatchObject({ ok: false });
  });

  it('builds seed 001 sync bodies the verifier accepts', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const raw = buildGatewayBody({ privateKey, seq: 7, sensorId: 'S-1', value: '5.5' });
    const r = verifyGatewayPayload({ raw, lookupKey: (s) => (s === 'S-1' ? { gatewayId: 'GW-1', publicKey } : null) });
    expect(r).toMatchObject({ ok: true, gatewayId: 'GW-1', seq: 7n, sensorId: 'S-1' });
  });
});
