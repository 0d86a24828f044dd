import { contentHashOf } from '@/lib/records/content-hash';

export type TSignatureValidity = 'valid' | 'content_changed' | 'hash_mismatch';

/**
 * A signature stays valid only while the stored content still hashes to the hash recorded
 * with the version and to the hash that was signed (tampering in the database breaks both).
 */
export function signatureValidity(sig: { contentHash: Uint8Array }, version: { contentCanonical: string; contentHash: Uint8Array }): TSignatureValidity {
  const actual = contentHashOf(version.contentCanonical);
  if (!actual.equals(Buffer.from(version.contentHash))) return 'content_changed';
  if (!actual.equals(Buffer.from(sig.contentHash))) return 'hash_mismatch';
  return 'valid';
}
