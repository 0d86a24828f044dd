import { createHash } from 'node:crypto';
import { canonicalize } from '@/lib/audit/canonical';

export function canonicalContent(content: unknown): { canonical: string; hash: Buffer<ArrayBuffer> } {
  const canonical = canonicalize(content);
  return { canonical, hash: contentHashOf(canonical) };
}

/** The stored bytes still hash to what was recorded (and, for a signature, to what was signed). */
export function contentHashOf(canonical: string): Buffer<ArrayBuffer> {
  return createHash('sha256').update(canonical, 'utf8').digest() as Buffer<ArrayBuffer>;
}
