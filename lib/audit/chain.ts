import { createHash } from 'node:crypto';

// Pure chain arithmetic, shared by appends, verification, exports and the offline verifier's
// tests. hash = SHA-256(prev_hash || utf8(canonical)); the first event links to 32 zero bytes.

export const GENESIS_HASH: Buffer = Buffer.alloc(32);

export function chainHash(prevHash: Uint8Array, canonical: string | Uint8Array): Buffer {
  return createHash('sha256').update(prevHash).update(canonical).digest();
}

export type TBreakReason = 'gap_in_seq' | 'prev_link_broken' | 'hash_mismatch';

export interface TChainRow {
  seq: bigint;
  canonical: string | Uint8Array;
  prevHash: Uint8Array;
  hash: Uint8Array;
}

/**
 * A row whose fields are ranges of one buffer (a binary COPY chunk): verification of a stream
 * reuses one of these for every row instead of allocating views (see ChainVerifier.pushRef).
 */
export interface TChainRowRef {
  seq: bigint;
  buf: Buffer;
  canonicalStart: number;
  canonicalEnd: number;
  prevHashStart: number;
  prevHashEnd: number;
  hashStart: number;
  hashEnd: number;
}

export interface TChainBreak {
  seq: bigint;
  reason: TBreakReason;
  detail: string;
}

/**
 * Incremental verifier: feed rows in seq order; the first break is remembered and further rows
 * are ignored. Starting state can be mid-chain (range verification) by passing the expected
 * previous seq and hash.
 */
export class ChainVerifier {
  private expectedSeq: bigint;
  private prev: Uint8Array;
  count = 0;
  broken: TChainBreak | null = null;
  lastSeq: bigint;
  lastHash: Uint8Array;

  constructor(start: { seq: bigint; hash: Uint8Array } = { seq: 0n, hash: GENESIS_HASH }) {
    this.expectedSeq = start.seq + 1n;
    this.prev = start.hash;
    this.lastSeq = start.seq;
    this.lastHash = start.hash;
  }

  push(row: TChainRow): boolean {
    if (this.broken) return false;
    if (row.seq !== this.expectedSeq) {
      return this.fail(
        this.expectedSeq,
        'gap_in_seq',
        `expected seq ${this.expectedSeq}, found ${row.seq}`,
      );
    }
    // Buffer.compare reads any Uint8Array in place: no copies per row (verification streams
    // millions of rows; see bench/chain.ts).
    if (Buffer.compare(row.prevHash, this.prev) !== 0) {
      return this.fail(row.seq, 'prev_link_broken', `prev_hash does not equal the hash of seq ${row.seq - 1n}`);
    }
    const computed = chainHash(row.prevHash, row.canonical);
    if (Buffer.compare(computed, row.hash) !== 0) {
      return this.fail(row.seq, 'hash_mismatch', 'stored hash does not equal SHA-256(prev_hash || canonical)');
    }
    return this.accept(row.seq, row.hash);
  }

  /** push() for a row given as ranges of a buffer: no allocation per row but the hash itself. */
  pushRef(r: TChainRowRef): boolean {
    if (this.broken) return false;
    if (r.seq !== this.expectedSeq) {
      return this.fail(this.expectedSeq, 'gap_in_seq', `expected seq ${this.expectedSeq}, found ${r.seq}`);
    }
    if (!rangeEquals(r.buf, r.prevHashStart, r.prevHashEnd, this.prev)) {
      return this.fail(r.seq, 'prev_link_broken', `prev_hash does not equal the hash of seq ${r.seq - 1n}`);
    }
    // this.prev holds the same bytes as the row's prev_hash (just compared).
    const computed = chainHash(this.prev, r.buf.subarray(r.canonicalStart, r.canonicalEnd));
    if (!rangeEquals(r.buf, r.hashStart, r.hashEnd, computed)) {
      return this.fail(r.seq, 'hash_mismatch', 'stored hash does not equal SHA-256(prev_hash || canonical)');
    }
    return this.accept(r.seq, computed);
  }

  private accept(seq: bigint, hash: Uint8Array): true {
    this.prev = hash;
    this.lastSeq = seq;
    this.lastHash = hash;
    this.expectedSeq = seq + 1n;
    this.count += 1;
    return true;
  }

  private fail(seq: bigint, reason: TBreakReason, detail: string): false {
    this.broken = { seq, reason, detail };
    return false;
  }
}

/** buf[start, end) equals `bytes`. A plain loop: for 32 bytes it beats a native call with offsets. */
function rangeEquals(buf: Uint8Array, start: number, end: number, bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (end - start !== n) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}
