import type pg from 'pg';
import { readMigrations } from '@/lib/db/migrate';

export interface TSnapshotState {
  chainId: string;
  headSeq: string;
  headHash: string;
  checkpoint: { seq: string; hash: string; signed_at: string; key_id: string } | null;
  migrations: Array<{ name: string; checksum: string }>;
}

/**
 * What the snapshot holds of the chain and the schema, read inside the snapshot's transaction:
 * the head the backup contains, the newest signed checkpoint, the applied migrations.
 */
export async function readSnapshotState(client: pg.ClientBase, chainId: string): Promise<TSnapshotState> {
  const head = await client.query<{ seq: string; hash: Buffer }>(
    'SELECT e.seq::text AS seq, e.hash FROM audit_events e WHERE e.chain_id = $1 ORDER BY e.seq DESC LIMIT 1',
    [chainId],
  );
  const cp = await client.query<{ seq: string; hash: Buffer; signed_at: string; key_id: string }>(
    `SELECT c.seq::text AS seq, c.hash, to_char(c.signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at, c.key_id
     FROM audit_checkpoints c WHERE c.chain_id = $1 ORDER BY c.seq DESC, c.id DESC LIMIT 1`,
    [chainId],
  );
  const mig = await client.query<{ name: string; checksum: string }>(
    'SELECT migration_name AS name, checksum FROM "_prisma_migrations" WHERE rolled_back_at IS NULL AND finished_at IS NOT NULL ORDER BY migration_name',
  );
  const c = cp.rows[0];
  return {
    chainId,
    headSeq: head.rows[0]?.seq ?? '0',
    headHash: head.rows[0] ? head.rows[0].hash.toString('hex') : '0'.repeat(64),
    checkpoint: c ? { seq: c.seq, hash: c.hash.toString('hex'), signed_at: c.signed_at, key_id: c.key_id } : null,
    migrations: mig.rows,
  };
}

/** Refuses a restore of a PGlite dump into a schema built from other migrations than the backup's. */
export async function migrationsDiffer(backup: Array<{ name: string; checksum: string }>): Promise<string | null> {
  const code = (await readMigrations()).map((m) => ({ name: m.name, checksum: m.checksum }));
  const a = backup.map((m) => `${m.name}:${m.checksum}`).join('\n');
  const b = code.map((m) => `${m.name}:${m.checksum}`).join('\n');
  if (a === b) return null;
  const last = (l: Array<{ name: string }>) => l.at(-1)?.name ?? '(none)';
  return `The backup was taken at migration ${last(backup)} (${backup.length} migrations); this Custos has ${last(code)} (${code.length}): restore it with the matching Custos version`;
}
