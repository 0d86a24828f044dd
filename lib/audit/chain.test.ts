import { describe, expect, it } from 'vitest';
import { ChainVerifier, GENESIS_HASH, chainHash } from '@/lib/audit/chain';

function buildChain(n: number) {
  let prev: Buffer = GENESIS_HASH;
  return Array.from({ length: n }, (_, i) => {
    const canonical = JSON.stringify({ i });
    const hash = chainHash(prev, canonical);
    const row = { seq: BigInt(i + 1), canonical, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

describe('ChainVerifier', () => {
  it('[11.10(e)] accepts an intact chain and reports its head', () => {
    const rows = buildChain(5);
    const v = new ChainVerifier();
    rows.forEach((r) => v.push(r));
    expect(v.broken).toBeNull();
    expect(v.count).toBe(5);
    expect(v.lastSeq).toBe(5n);
    expect(Buffer.from(v.lastHash).equals(rows[4].hash)).toBe(true);
  });

  it('[11.10(e)] reports a missing seq as a gap at the missing seq', () => {
    const rows = buildChain(5);
    const v = new ChainVerifier();
    [rows[0], rows[1], rows[3]].forEach((r) => v.push(r));
    expect(v.broken).toMatchObject({ seq: 3n, reason: 'gap_in_seq' });
  });

  it('[11.10(e)] reports a changed canonical text as a hash mismatch at that seq', () => {
    const rows = buildChain(3);
    rows[1] = { ...rows[1], canonical: rows[1].canonical.replace('1', '7') };
    const v = new ChainVerifier();
    rows.forEach((r) => v.push(r));
    expect(v.broken).toMatchObject({ seq: 2n, reason: 'hash_mismatch' });
  });

  it('[11.10(e)] reports a prev_hash that is not the previous hash as a broken link', () => {
    const rows = buildChain(3);
    const forged = { ...rows[2], prevHash: Buffer.alloc(32, 1) };
    const v = new ChainVerifier();
    [rows[0], rows[1], forged].forEach((r) => v.push(r));
    expect(v.broken).toMatchObject({ seq: 3n, reason: 'prev_link_broken' });
  });

  it('starts mid-chain for range verification', () => {
    const rows = buildChain(6);
    const v = new ChainVerifier({ seq: 3n, hash: rows[2].hash });
    rows.slice(3).forEach((r) => v.push(r));
    expect(v.broken).toBeNull();
    expect(v.count).toBe(3);
  });
});
