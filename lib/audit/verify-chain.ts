import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
  /** Events after the newest checkpoint (when verifying to the head): not yet covered by a signature. */
  unsignedTail: { events: number; afterSeq: string; newestSignedAt: string | null; ageS: number | null } | null;
  /** The newest checkpoint published outside the database (CUSTOS_CHECKPOINT_DIR), checked against the chain. */
  external: TCheckpointCheck | null;
  /** Findings that do not make the chain invalid (e.g. an unsigned tail). */
  warnings: string[];
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
    /** Where checkpoints are published outside the database; default CUSTOS_CHECKPOINT_DIR. */
    checkpointDir?: string | null;
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

  // What no signature covers yet: a tail deleted there would leave no trace in the checkpoints.
  const warnings: string[] = [];
  let unsignedTail: TVerifyResult['unsignedTail'] = null;
  if (to === null && !verifier.broken) {
    const { rows: newest } = await client.query<{ seq: string; signed_at: string; age_s: number }>(
      `SELECT seq::text, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at,
         extract(epoch FROM clock_timestamp() - signed_at)::float8 AS age_s
       FROM audit_checkpoints WHERE chain_id = $1 ORDER BY seq DESC, id DESC LIMIT 1`,
      [chainId],
    );
    const after = newest[0] ? BigInt(newest[0].seq) : 0n;
    if (verifier.lastSeq > after) {
      const events = Number(verifier.lastSeq - after);
      const ageS = newest[0] ? Math.round(newest[0].age_s) : null;
      unsignedTail = { events, afterSeq: after.toString(), newestSignedAt: newest[0]?.signed_at ?? null, ageS };
      warnings.push(
        `${events} events after the newest checkpoint (unsigned tail)${newest[0] ? `: the newest checkpoint, at seq ${after}, was signed ${formatAge(ageS!)} ago` : ': no checkpoint signed yet'}`,
      );
    }
  }
  const dir = opts.checkpointDir === undefined ? process.env.CUSTOS_CHECKPOINT_DIR || null : opts.checkpointDir;
  const external = dir && to === null ? await checkPublishedCheckpoint(client, dir, chainId, trustedKeyId, cps.rows) : null;
  return {
    ok: !broken && (!checkpoint || checkpoint.status === 'ok') && display.ok && (!external || external.status === 'ok' || external.status === 'none'),
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
    unsignedTail,
    external,
    warnings,
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

function formatAge(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/**
 * The newest checkpoint published in `dir` for this chain: signed by the trusted key, naming an
 * event that exists with that hash, and not newer than every checkpoint the database still has
 * (a database rewritten together with its checkpoints disagrees with the file).
 */
async function checkPublishedCheckpoint(client: pg.ClientBase, dir: string, chainId: string, trustedKeyId: string | null, dbCheckpoints: TCheckpointRow[]): Promise<TCheckpointCheck> {
  const prefix = `${encodeURIComponent(chainId)}.`;
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.json')).sort() : [];
  const none = { id: '', seq: '0', signedAt: '', keyId: '', status: 'none' as const, detail: `no checkpoint of chain ${chainId} published in ${dir}` };
  if (files.length === 0) return none;
  const file = files[files.length - 1];
  let cp: { seq: string; hash: string; signedAt: string; keyId: string; publicKey: string; payload: string; signature: string };
  try {
    cp = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as typeof cp;
  } catch (e) {
    return { ...none, status: 'bad_signature', detail: `published checkpoint ${file} is unreadable: ${(e as Error).message}` };
  }
  const base = { id: `file:${file}`, seq: cp.seq, signedAt: cp.signedAt, keyId: cp.keyId };
  const res = (status: TCheckpointStatus, detail: string): TCheckpointCheck => ({ ...base, status, detail });
  if (trustedKeyId && keyIdOf(cp.publicKey) !== trustedKeyId) return res('untrusted_key', `published checkpoint ${file} is not signed by the server's key`);
  if (!verifyPayload(cp.publicKey, cp.payload, Buffer.from(cp.signature, 'hex'))) return res('bad_signature', `published checkpoint ${file}: signature does not verify`);
  const expected = checkpointPayload({ chainId, seq: BigInt(cp.seq), hash: Buffer.from(cp.hash, 'hex'), keyId: cp.keyId, signedAt: cp.signedAt });
  if (expected !== cp.payload) return res('payload_mismatch', `published checkpoint ${file}: its fields disagree with its signed payload`);
  const { rows } = await client.query<{ hash: Buffer }>('SELECT hash FROM audit_events WHERE chain_id = $1 AND seq = $2', [chainId, cp.seq]);
  if (!rows[0]) return res('truncated', `published checkpoint ${file} covers seq ${cp.seq}, which the database no longer has`);
  if (rows[0].hash.toString('hex') !== cp.hash) return res('hash_mismatch', `published checkpoint ${file}: the event at seq ${cp.seq} has a different hash than the one signed`);
  const newestInDb = dbCheckpoints.reduce((m, c) => (BigInt(c.seq) > m ? BigInt(c.seq) : m), 0n);
  if (newestInDb < BigInt(cp.seq)) return res('truncated', `the database's newest checkpoint is at seq ${newestInDb}; one at seq ${cp.seq} was published (${file})`);
  return res('ok', `published checkpoint at seq ${cp.seq} matches`);
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
