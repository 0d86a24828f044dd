import { checkpointPayload, signPayload } from '@/lib/audit/checkpoint';
import { defaultChainId } from '@/lib/audit/chain-id';
import { loadOrCreateServerKey, type TServerKey } from '@/lib/audit/server-key';
import type { TDb } from '@/lib/db/client';

export interface TCheckpointResult {
  created: boolean;
  chainId: string;
  seq: bigint;
  hash: string;
  signedAt: string | null;
  keyId: string;
}

/**
 * Signs the current head of the chain. Skipped when the chain is empty or the newest checkpoint
 * already covers the head (unless `force`). Checkpoint creation is not itself a chain event:
 * the checkpoint table is append-only, and an event would move the head it just signed.
 */
export async function createCheckpoint(
  db: TDb,
  opts: { chainId?: string; key?: TServerKey; force?: boolean } = {},
): Promise<TCheckpointResult> {
  const chainId = opts.chainId ?? defaultChainId();
  const key = opts.key ?? loadOrCreateServerKey().key;
  return db.$transaction(async (tx) => {
    const head = await tx.$queryRaw<Array<{ seq: bigint; hash: Uint8Array; now: string }>>`
      SELECT e.seq, e.hash,
        to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now
      FROM audit_events e WHERE e.chain_id = ${chainId} ORDER BY e.seq DESC LIMIT 1`;
    if (head.length === 0) {
      return { created: false, chainId, seq: 0n, hash: '', signedAt: null, keyId: key.keyId };
    }
    const { seq, hash, now } = head[0];
    const newest = await tx.auditCheckpoint.findFirst({
      where: { chainId },
      orderBy: { seq: 'desc' },
      select: { seq: true, signedAt: true },
    });
    if (newest && newest.seq >= seq && !opts.force) {
      return {
        created: false,
        chainId,
        seq,
        hash: Buffer.from(hash).toString('hex'),
        signedAt: newest.signedAt.toISOString(),
        keyId: key.keyId,
      };
    }
    const payload = checkpointPayload({ chainId, seq, hash, keyId: key.keyId, signedAt: now });
    const signature = signPayload(key.privateKey, payload);
    // Raw insert: signed_at must keep the microseconds that are in the signed payload.
    await tx.$executeRaw`
      INSERT INTO audit_checkpoints (chain_id, seq, hash, signed_at, key_id, public_key, payload, signature)
      VALUES (${chainId}, ${seq}, ${Buffer.from(hash)}, ${now}::timestamptz, ${key.keyId}, ${key.publicKeyPem},
              ${payload}, ${signature})`;
    return { created: true, chainId, seq, hash: Buffer.from(hash).toString('hex'), signedAt: now, keyId: key.keyId };
  });
}
