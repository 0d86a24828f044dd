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

  it('verifies rows given as ranges of one buffer (pushRef), multibyte and longer than its scratch buffer, and finds a change in them', () => {
    let prev: Buffer = GENESIS_HASH;
    const texts = ['naïve ✓ "quoted" \\ back', 'x'.repeat(10_000), 'Δοκιμή · Проверка № 5 €', 'y'.repeat(70_000)];
    const rows = texts.map((text, i) => {
      const canonical = Buffer.from(JSON.stringify({ i, text }));
      const hash = chainHash(prev, canonical);
      const row = { seq: BigInt(i + 1), canonical, prevHash: prev, hash };
      prev = hash;
      return row;
    });
    const asRef = (r: (typeof rows)[number], pad: number) => {
      // The fields somewhere inside a larger buffer, as in a binary COPY chunk.
      const buf = Buffer.concat([Buffer.alloc(pad, 7), r.prevHash, r.canonical, r.hash, Buffer.alloc(3, 9)]);
      const c = pad + 32;
      return { seq: r.seq, buf, prevHashStart: pad, prevHashEnd: c, canonicalStart: c, canonicalEnd: c + r.canonical.length, hashStart: c + r.canonical.length, hashEnd: c + r.canonical.length + 32 };
    };
    const ok = new ChainVerifier();
    rows.forEach((r, i) => ok.pushRef(asRef(r, i * 5)));
    expect(ok.broken).toBeNull();
    expect(ok.count).toBe(4);
    expect(Buffer.from(ok.lastHash).equals(rows[3].hash)).toBe(true);
    const pushed = new ChainVerifier();
    rows.forEach((r) => pushed.push(r));
    expect(pushed.broken).toBeNull();

    const changed = asRef(rows[2], 11);
    changed.buf[changed.canonicalEnd - 3] ^= 1;
    const v = new ChainVerifier();
    [asRef(rows[0], 0), asRef(rows[1], 0), changed, asRef(rows[3], 0)].forEach((r) => v.pushRef(r));
    expect(v.broken).toMatchObject({ seq: 3n, reason: 'hash_mismatch' });
  });
});
