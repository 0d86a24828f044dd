import type pg from 'pg';
import { ChainVerifier, GENESIS_HASH, type TChainBreak, type TChainRowRef } from '@/lib/audit/chain';
import { defaultChainId } from '@/lib/audit/chain-id';
import { verifyPayload, checkpointPayload } from '@/lib/audit/checkpoint';
import { keyIdOf } from '@/lib/audit/server-key';
import { copyOutBinary } from '@/lib/db/copy-binary';
import { verifyDisplayColumns, type TDisplayCheck } from '@/lib/audit/verify-display';

export type TCheckpointStatus =
  | 'ok'
  | 'none'
  | 'bad_signature'
  | 'untrusted_key'
  | 'payload_mismatch'
  | 'hash_mismatch'
  | 'truncated';

export interface TCheckpointCheck {
  id: string;
  seq: string;
  signedAt: string;
  keyId: string;
  status: TCheckpointStatus;
  detail: string;
}

export interface TVerifyResult {
  ok: boolean;
  chainId: string;
  from: string;
  to: string | null;
  count: number;
  headSeq: string;
  headHash: string;
  broken: (Omit<TChainBreak, 'seq'> & { seq: string }) | null;
  checkpoint: TCheckpointCheck | null;
  checkpointsChecked: number;
  /** Every display column of the verified events equals its value in the canonical text. */
  display: TDisplayCheck;
  verifiedAt: string;
}

interface TCheckpointRow {
  id: string;
  seq: string;
  hash: Buffer;
  signed_at: string;
  key_id: string;
  public_key: string;
  payload: string;
  signature: Buffer;
}

/**
 * Streams the chain out of the database and checks every link, then every signed checkpoint
 * in range against what was streamed: a deleted tail (truncation) or a wholly rewritten chain
 * disagrees with a checkpoint the server signed earlier.
 * `trustedPublicKeyPem`: the server's key; checkpoints signed by any other key are not trusted.
 */
export async function verifyChain(
  client: pg.ClientBase,
  opts: {
    chainId?: string;
    fromSeq?: bigint;
    toSeq?: bigint;
    trustedPublicKeyPem?: string | null;
    onProgress?: (verified: number, total: number) => void;
  } = {},
): Promise<TVerifyResult> {
  const chainId = opts.chainId ?? defaultChainId();
  const from = opts.fromSeq && opts.fromSeq > 1n ? opts.fromSeq : 1n;
  const to = opts.toSeq ?? null;

  let start = { seq: 0n, hash: GENESIS_HASH as Uint8Array };
  if (from > 1n) {
    const prev = await client.query<{ hash: Buffer }>(
      'SELECT hash FROM audit_events WHERE chain_id = $1 AND seq = $2',
      [chainId, (from - 1n).toString()],
    );
    if (prev.rows[0]) start = { seq: from - 1n, hash: prev.rows[0].hash };
  }
  // The total only feeds progress reports: counting is a scan of its own, skipped without them.
  let total = 0;
  if (opts.onProgress) {
    const totalRes = await client.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM audit_events WHERE chain_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq <= $3)',
      [chainId, from.toString(), to?.toString() ?? null],
    );
    total = Number(totalRes.rows[0].n);
  }

  const cps = await client.query<TCheckpointRow>(
    `SELECT id::text, seq::text, hash, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at,
            key_id, public_key, payload, signature
     FROM audit_checkpoints c WHERE c.chain_id = $1 AND c.seq >= $2 AND ($3::bigint IS NULL OR c.seq <= $3) ORDER BY c.seq, c.id`,
    [chainId, from.toString(), to?.toString() ?? null],
  );
  // Checkpoint seqs in ascending order (the query sorts them): the stream walks them in step,
  // so each row costs one bigint comparison, not a map lookup.
  const cpSeqs = cps.rows.map((cp) => BigInt(cp.seq));
  let nextCp = 0;
  const seen = new Map<string, Buffer>(); // checkpoint id -> streamed hash at its seq

  const verifier = new ChainVerifier(start);
  const range = to === null ? '' : ` AND seq <= ${to.toString()}`;
  // COPY takes no bind parameters: the bounds are bigints and the chain id is quoted.
  const copySql = `COPY (SELECT seq, canonical, prev_hash, hash FROM audit_events
    WHERE chain_id = ${quoteLiteral(chainId)} AND seq >= ${from.toString()}${range} ORDER BY seq)
    TO STDOUT WITH (FORMAT binary)`;
  let lastReport = 0;
  // One row object reused for the whole stream: millions of rows, no allocation per row but the
  // hash (bench/chain.ts measures this against hashing the same bytes in memory).
  const row: TChainRowRef = {
    seq: 0n,
    buf: Buffer.alloc(0),
    canonicalStart: 0,
    canonicalEnd: 0,
    prevHashStart: 0,
    prevHashEnd: 0,
    hashStart: 0,
    hashEnd: 0,
  };
  await copyOutBinary(client, copySql, (buf, start, len, n) => {
    if (verifier.broken) return; // the first break is the answer; drain the rest
    if (n !== 4 || len[0] !== 8) throw new Error('unexpected row shape in the audit_events COPY stream');
    row.seq = buf.readBigInt64BE(start[0]);
    row.buf = buf;
    // A NULL (constraints dropped by the owner) is an empty range: it fails the checks below.
    row.canonicalStart = start[1];
    row.canonicalEnd = start[1] + Math.max(len[1], 0);
    row.prevHashStart = start[2];
    row.prevHashEnd = start[2] + Math.max(len[2], 0);
    row.hashStart = start[3];
    row.hashEnd = start[3] + Math.max(len[3], 0);
    if (!verifier.pushRef(row)) return;
    while (nextCp < cpSeqs.length && cpSeqs[nextCp] < row.seq) nextCp += 1;
    while (nextCp < cpSeqs.length && cpSeqs[nextCp] === row.seq) {
      seen.set(cps.rows[nextCp].id, Buffer.from(buf.subarray(row.hashStart, row.hashEnd)));
      nextCp += 1;
    }
    if (opts.onProgress && verifier.count - lastReport >= 50_000) {
      lastReport = verifier.count;
      opts.onProgress(verifier.count, total);
    }
  });
  opts.onProgress?.(verifier.count, total);

  // Every checkpoint in range is checked; the newest one is reported.
  const trustedKeyId = opts.trustedPublicKeyPem ? keyIdOf(opts.trustedPublicKeyPem) : null;
  let checkpoint: TCheckpointCheck | null = null;
  let firstBad: TCheckpointCheck | null = null;
  for (const cp of cps.rows) {
    const check = checkCheckpoint(cp, chainId, seen.get(cp.id), verifier, trustedKeyId);
    if (check.status !== 'ok' && !firstBad) firstBad = check;
    checkpoint = check;
  }
  if (firstBad) checkpoint = firstBad;

  const broken = verifier.broken ? { ...verifier.broken, seq: verifier.broken.seq.toString() } : null;
  // The columns people see, against the canonical text of the events just verified.
  const display = await verifyDisplayColumns(client, chainId, from, verifier.lastSeq);
  return {
    ok: !broken && (!checkpoint || checkpoint.status === 'ok') && display.ok,
    chainId,
    from: from.toString(),
    to: to?.toString() ?? null,
    count: verifier.count,
    headSeq: verifier.lastSeq.toString(),
    headHash: Buffer.from(verifier.lastHash).toString('hex'),
    broken,
    checkpoint,
    checkpointsChecked: cps.rows.length,
    display,
    verifiedAt: new Date().toISOString(),
  };
}

function checkCheckpoint(
  cp: TCheckpointRow,
  chainId: string,
  streamedHash: Buffer | undefined,
  verifier: ChainVerifier,
  trustedKeyId: string | null,
): TCheckpointCheck {
  const base = { id: cp.id, seq: cp.seq, signedAt: cp.signed_at, keyId: cp.key_id };
  const res = (status: TCheckpointStatus, detail: string): TCheckpointCheck => ({ ...base, status, detail });
  if (trustedKeyId && keyIdOf(cp.public_key) !== trustedKeyId) {
    return res('untrusted_key', `checkpoint ${cp.id} is signed by key ${cp.key_id.slice(0, 16)}…, not the server's key`);
  }
  if (!verifyPayload(cp.public_key, cp.payload, cp.signature)) {
    return res('bad_signature', `checkpoint ${cp.id}: signature does not verify`);
  }
  const expected = checkpointPayload({
    chainId,
    seq: BigInt(cp.seq),
    hash: cp.hash,
    keyId: cp.key_id,
    signedAt: cp.signed_at,
  });
  if (expected !== cp.payload) {
    return res('payload_mismatch', `checkpoint ${cp.id}: columns disagree with the signed payload`);
  }
  if (!streamedHash) {
    if (verifier.broken && BigInt(cp.seq) >= verifier.broken.seq) {
      return res('hash_mismatch', `checkpoint ${cp.id} at seq ${cp.seq} lies beyond the break at seq ${verifier.broken.seq}`);
    }
    return res('truncated', `checkpoint ${cp.id} covers seq ${cp.seq} but the chain ends at seq ${verifier.lastSeq}`);
  }
  if (!streamedHash.equals(cp.hash)) {
    return res('hash_mismatch', `checkpoint ${cp.id}: the event at seq ${cp.seq} has a different hash than the one signed`);
  }
  return res('ok', `checkpoint ${cp.id} at seq ${cp.seq} matches`);
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
