import { createHash, createPublicKey } from 'node:crypto';
import { z } from 'zod';
import { open, seal } from '@/lib/crypto/secret-box';
import { parsePublicKey, type ZDeviceKey } from '@/lib/devices/register-device';
import { AppError } from '@/lib/errors/app-error';

// Key material as a device change request carries it (payload JSON, hashed and copied into the
// audit trail): an HMAC secret is sealed before it gets there and is never in clear in the
// database; a public key stays in clear. Both carry a fingerprint, which is all the request page
// shows. Persisted as JSON: changing this shape needs a migration of open requests.
export const ZDeviceKeyRequest = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('hmac'), sealed: z.string().min(1), fingerprint: z.string() }),
  z.object({ kind: z.literal('ecdsa'), publicKeyPem: z.string().min(1), fingerprint: z.string() }),
]);
export type TDeviceKeyRequest = z.infer<typeof ZDeviceKeyRequest>;

/** Bound to the device: a sealed secret copied into another request does not open. */
const aad = (deviceId: string) => `change-request:device-key:${deviceId}`;

/** `sha256:` and the first 16 hex digits of the key's SHA-256: enough to compare, useless to sign with. */
export function keyFingerprint(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
}

export function publicKeyFingerprint(pem: string): string {
  return keyFingerprint(createPublicKey(pem).export({ type: 'spki', format: 'der' }));
}

/** Seals an HMAC secret (or checks and normalises a P-256 public key) for a request payload. Throws AppError on a bad public key. */
export function sealKeyForRequest(deviceId: string, k: z.output<typeof ZDeviceKey>): TDeviceKeyRequest {
  if (k.hmacSecretHex) {
    const secret = Buffer.from(k.hmacSecretHex, 'hex');
    return { kind: 'hmac', sealed: seal(secret, aad(deviceId)), fingerprint: keyFingerprint(secret) };
  }
  const pem = parsePublicKey(k.publicKeyPem!);
  return { kind: 'ecdsa', publicKeyPem: pem, fingerprint: publicKeyFingerprint(pem) };
}

/** The key as registerDevice / rotateDeviceKey take it, when an approved request is applied. */
export function openKeyRequest(deviceId: string, k: TDeviceKeyRequest): z.output<typeof ZDeviceKey> {
  if (k.kind === 'ecdsa') return { publicKeyPem: k.publicKeyPem };
  try {
    return { hmacSecretHex: open(k.sealed, aad(deviceId)).toString('hex') };
  } catch {
    // Another device's sealed secret, or a secrets key replaced since the request was made.
    throw new AppError('CONFLICT', 'The sealed key of this request cannot be opened; submit the request again');
  }
}
