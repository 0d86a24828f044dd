import { createHash } from 'node:crypto';

// RFC 6962-style Merkle tree over a batch's readings: leaf = SHA-256(0x00 ‖ id (8 bytes BE) ‖
// raw_sha256), node = SHA-256(0x01 ‖ left ‖ right); an odd node is promoted unchanged. The root
// goes into the audit chain, so each reading's inclusion is provable with log2(n) hashes.

export function leafHash(id: bigint, rawSha256: Uint8Array): Buffer {
  const idBuf = Buffer.alloc(8);
  idBuf.writeBigUInt64BE(id);
  return createHash('sha256').update(Buffer.from([0])).update(idBuf).update(rawSha256).digest();
}

function node(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

export function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) throw new Error('empty batch');
  let level = leaves;
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? node(level[i], level[i + 1]) : level[i]);
    level = next;
  }
  return level[0];
}

export interface TProofStep {
  side: 'left' | 'right';
  hash: string;
}

export function merkleProof(leaves: Buffer[], index: number): TProofStep[] {
  const proof: TProofStep[] = [];
  let level = leaves;
  let i = index;
  while (level.length > 1) {
    const sibling = i % 2 === 0 ? i + 1 : i - 1;
    if (sibling < level.length) proof.push({ side: i % 2 === 0 ? 'right' : 'left', hash: level[sibling].toString('hex') });
    const next: Buffer[] = [];
    for (let j = 0; j < level.length; j += 2) next.push(j + 1 < level.length ? node(level[j], level[j + 1]) : level[j]);
    level = next;
    i = Math.floor(i / 2);
  }
  return proof;
}

export function verifyProof(leaf: Buffer, proof: TProofStep[], root: Buffer): boolean {
  let h = leaf;
  for (const s of proof) h = s.side === 'right' ? node(h, Buffer.from(s.hash, 'hex')) : node(Buffer.from(s.hash, 'hex'), h);
  return h.equals(root);
}
