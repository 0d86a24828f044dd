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
    this.prev = row.hash;
    this.lastSeq = row.seq;
    this.lastHash = row.hash;
    this.expectedSeq = row.seq + 1n;
    this.count += 1;
    return true;
  }

  private fail(seq: bigint, reason: TBreakReason, detail: string): false {
    this.broken = { seq, reason, detail };
    return false;
  }
}
