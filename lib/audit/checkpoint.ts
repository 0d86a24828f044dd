import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalize } from '@/lib/audit/canonical';

// A checkpoint is the server's signed statement "chain C had head (seq, hash) at time T".
// payload = RFC 8785 text; signature = ECDSA P-256 / SHA-256 over utf8(payload), IEEE P1363.

export interface TCheckpointFields {
  chainId: string;
  seq: bigint;
  hash: Uint8Array;
  keyId: string;
  signedAt: string;
}

export function checkpointPayload(f: TCheckpointFields): string {
  return canonicalize({
    type: 'custos.audit.checkpoint',
    chain_id: f.chainId,
    seq: f.seq.toString(),
    hash: Buffer.from(f.hash).toString('hex'),
    key_id: f.keyId,
    signed_at: f.signedAt,
  });
}

export function signPayload(privateKey: KeyObject, payload: string): Buffer {
  return sign('sha256', Buffer.from(payload, 'utf8'), { key: privateKey, dsaEncoding: 'ieee-p1363' });
}

export function verifyPayload(publicKeyPem: string, payload: string, signature: Uint8Array): boolean {
  try {
    return verify('sha256', Buffer.from(payload, 'utf8'), { key: publicKeyPem, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
}
