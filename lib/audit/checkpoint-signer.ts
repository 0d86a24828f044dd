import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointPayload, signPayload } from '@/lib/audit/checkpoint';
import { loadServerKey, type TServerKey } from '@/lib/audit/server-key';
import type { TDb } from '@/lib/db/client';

// Checkpoints bound how much of a chain's tail could be deleted unnoticed. Every long-running
// process (the web server, each worker, `npm start`) runs this signer; one signer at a time per
// chain signs (a transaction-scoped advisory lock: the others skip that round), whenever the
// head has moved and either CUSTOS_CHECKPOINT_INTERVAL_S has passed since the newest checkpoint
// or CUSTOS_CHECKPOINT_EVERY_EVENTS events have been appended since — whichever comes first.
// With CUSTOS_CHECKPOINT_DIR each checkpoint is also written there as a file (outside the
// database): a rewrite of the database together with its checkpoints is then still caught.

export interface TCheckpointPolicy {
  intervalS: number;
  everyEvents: number;
  dir: string | null;
}

export function checkpointPolicy(env: Record<string, string | undefined> = process.env): TCheckpointPolicy {
  const n = (v: string | undefined, d: number) => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : d);
  return { intervalS: n(env.CUSTOS_CHECKPOINT_INTERVAL_S, 300), everyEvents: n(env.CUSTOS_CHECKPOINT_EVERY_EVENTS, 1000), dir: env.CUSTOS_CHECKPOINT_DIR || null };
}

export interface TSignedCheckpoint {
  chainId: string;
  seq: string;
  hash: string;
  signedAt: string;
  keyId: string;
  publicKey: string;
  payload: string;
  signature: string;
}

/** The file a published checkpoint is written to: one per chain and seq, sortable by seq. */
export function checkpointFileName(chainId: string, seq: bigint | string): string {
  return `${encodeURIComponent(chainId)}.${BigInt(seq).toString().padStart(19, '0')}.json`;
}

/**
 * One round for one chain: signs the head if the policy says it is due and this process holds
 * the chain's checkpoint lock. Returns the checkpoint signed, or null.
 */
export async function checkpointIfDue(db: TDb, chainId: string, key: TServerKey, policy: TCheckpointPolicy, opts: { force?: boolean } = {}): Promise<TSignedCheckpoint | null> {
  const signed = await db.$transaction(async (tx) => {
    const [lock] = await tx.$queryRaw<Array<{ got: boolean }>>`SELECT pg_try_advisory_xact_lock(hashtextextended(${`custos.checkpoint.${chainId}`}, 0)) AS got`;
    if (!lock?.got) return null;
    const rows = await tx.$queryRaw<Array<{ seq: bigint; hash: Uint8Array; now: string; cp_seq: bigint | null; age_s: number | null }>>`
      SELECT e.seq, e.hash, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now, c.seq AS cp_seq,
        extract(epoch FROM clock_timestamp() - c.signed_at)::float8 AS age_s
      FROM (SELECT seq, hash FROM audit_events WHERE chain_id = ${chainId} ORDER BY seq DESC LIMIT 1) e
      LEFT JOIN LATERAL (SELECT seq, signed_at FROM audit_checkpoints WHERE chain_id = ${chainId} ORDER BY seq DESC, id DESC LIMIT 1) c ON true`;
    const h = rows[0];
    if (!h) return null;
    const unsigned = h.cp_seq === null ? h.seq : h.seq - h.cp_seq;
    const due = opts.force || (unsigned > 0n && (h.cp_seq === null || unsigned >= BigInt(Math.max(1, policy.everyEvents)) || (h.age_s ?? Infinity) >= policy.intervalS));
    if (!due) return null;
    const payload = checkpointPayload({ chainId, seq: h.seq, hash: h.hash, keyId: key.keyId, signedAt: h.now });
    const signature = signPayload(key.privateKey, payload);
    await tx.$executeRaw`
      INSERT INTO audit_checkpoints (chain_id, seq, hash, signed_at, key_id, public_key, payload, signature)
      VALUES (${chainId}, ${h.seq}, ${Buffer.from(h.hash)}, ${h.now}::timestamptz, ${key.keyId}, ${key.publicKeyPem}, ${payload}, ${signature})`;
    return {
      chainId,
      seq: h.seq.toString(),
      hash: Buffer.from(h.hash).toString('hex'),
      signedAt: h.now,
      keyId: key.keyId,
      publicKey: key.publicKeyPem,
      payload,
      signature: signature.toString('hex'),
    } satisfies TSignedCheckpoint;
  });
  if (signed && policy.dir) publishCheckpoint(policy.dir, signed);
  return signed;
}

/** Writes the checkpoint to `dir` (a temporary name, then renamed: a reader never sees half a file). */
export function publishCheckpoint(dir: string, cp: TSignedCheckpoint): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, checkpointFileName(cp.chainId, cp.seq));
  writeFileSync(`${file}.tmp`, `${JSON.stringify(cp, null, 2)}\n`, { mode: 0o644 });
  renameSync(`${file}.tmp`, file);
  return file;
}

/**
 * Runs the signer in this process: every `pollS` (default the smaller of 10 s and the interval)
 * each chain gets a round. Without the signing key (a process that may not read it) it logs
 * once and signs nothing.
 */
export function startCheckpointSigner(
  db: TDb,
  opts: { policy?: TCheckpointPolicy; pollS?: number; log?: (line: string) => void; key?: TServerKey | null } = {},
): { stop(): void; round(): Promise<TSignedCheckpoint[]> } {
  const policy = opts.policy ?? checkpointPolicy();
  const log = opts.log ?? (() => undefined);
  const key = opts.key === undefined ? loadServerKey() : opts.key;
  if (!key || policy.intervalS <= 0) {
    if (!key) log('checkpoints: no audit signing key readable here; this process does not sign checkpoints');
    return { stop: () => undefined, round: async () => [] };
  }
  let running = false;
  const round = async (): Promise<TSignedCheckpoint[]> => {
    if (running) return [];
    running = true;
    try {
      const chains = await db.auditChainHead.findMany({ select: { chainId: true }, orderBy: { chainId: 'asc' } });
      const out: TSignedCheckpoint[] = [];
      for (const { chainId } of chains) {
        const cp = await checkpointIfDue(db, chainId, key, policy);
        if (cp) out.push(cp);
      }
      return out;
    } finally {
      running = false;
    }
  };
  const every = Math.max(0.05, opts.pollS ?? Math.min(10, policy.intervalS)) * 1000;
  const timer = setInterval(() => {
    round().catch((e: Error) => log(`checkpoint failed: ${e.message}`));
  }, every);
  timer.unref();
  return { stop: () => clearInterval(timer), round };
}
