import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { leafHash, merkleProof, merkleRoot, verifyProof } from '@/lib/ingest/merkle';

const leaves = (n: number) => Array.from({ length: n }, (_, i) => leafHash(BigInt(i + 1), createHash('sha256').update(`r${i}`).digest()));

describe('Merkle inclusion proofs', () => {
  it('[11.10(e)] proves every reading of batches of any size, and nothing else', () => {
    for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 33, 100]) {
      const l = leaves(n);
      const root = merkleRoot(l);
      for (let i = 0; i < n; i++) {
        const proof = merkleProof(l, i);
        expect(verifyProof(l[i], proof, root)).toBe(true);
        expect(verifyProof(leafHash(999n, Buffer.alloc(32)), proof, root)).toBe(false);
      }
    }
  });
  it('changes the root when any reading changes', () => {
    const l = leaves(10);
    const root = merkleRoot(l);
    l[6] = leafHash(7n, Buffer.alloc(32, 1));
    expect(merkleRoot(l).equals(root)).toBe(false);
  });
});
