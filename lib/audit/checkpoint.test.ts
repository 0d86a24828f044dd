import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkpointPayload, signPayload, verifyPayload } from '@/lib/audit/checkpoint';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const fields = { chainId: 'main', seq: 42n, hash: Buffer.alloc(32, 7), keyId: 'k1', signedAt: '2026-11-21T10:00:00.000000Z' };

describe('checkpoint signatures', () => {
  it('[11.10(e)] payload is RFC 8785 text with sorted keys', () => {
    expect(checkpointPayload(fields)).toBe(
      '{"chain_id":"main","hash":"' + '07'.repeat(32) + '","key_id":"k1","seq":"42","signed_at":"2026-11-21T10:00:00.000000Z","type":"custos.audit.checkpoint"}',
    );
  });

  it('[11.10(e)] a signed checkpoint verifies, and any change to the payload does not', () => {
    const payload = checkpointPayload(fields);
    const sig = signPayload(privateKey, payload);
    expect(sig.length).toBe(64);
    expect(verifyPayload(pem, payload, sig)).toBe(true);
    expect(verifyPayload(pem, checkpointPayload({ ...fields, seq: 41n }), sig)).toBe(false);
  });

  it('rejects a signature from another key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const payload = checkpointPayload(fields);
    expect(verifyPayload(pem, payload, signPayload(other.privateKey, payload))).toBe(false);
  });
});
