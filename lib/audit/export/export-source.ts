import type pg from 'pg';
import type { TAuditFilter } from '@/lib/audit/audit-filter';
import { auditWhere } from '@/lib/audit/audit-sql';
import { loadServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import type { Prisma } from '@/lib/generated/prisma/client';

// What every export states in its header, and the rows it contains, read in keyset batches
// (constant memory whatever the size).

export interface TExportRow {
  seq: string;
  occurred_at: string;
  actor_type: string;
  actor_id: string;
  actor_name: string | null;
  actor_role: string | null;
  session_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  old_value: unknown;
  new_value: unknown;
  reason: string | null;
  context_ref: string | null;
  canonical: string;
  prev_hash: string;
  hash: string;
}

export interface TExportHeader {
  chainId: string;
  exportedBy: string;
  exportedAt: string;
  filter: TAuditFilter;
  rows: number;
  firstSeq: string | null;
  lastSeq: string | null;
  headSeq: string;
  headHash: string;
  verification: { ok: boolean; summary: string; checkedFrom: string; checkedTo: string | null };
  checkpoint: { id: string; seq: string; hash: string; signedAt: string; keyId: string; payload: string; signature: string; publicKey: string } | null;
}

function toPg(sql: Prisma.Sql, offset = 0): { text: string; values: unknown[] } {
  // Prisma.Sql numbers its placeholders $1..$n; shift them when appending more.
  const text = offset === 0 ? sql.text : sql.text.replace(/\$(\d+)/g, (_m, n) => `$${Number(n) + offset}`);
  return { text, values: sql.values.map((v) => (typeof v === 'bigint' ? v.toString() : v)) };
}

export async function prepareExport(
  client: pg.ClientBase,
  opts: { chainId: string; filter: TAuditFilter; exportedBy: string },
): Promise<TExportHeader> {
  const where = toPg(auditWhere(opts.chainId, opts.filter));
  const stats = await client.query<{ n: string; min: string | null; max: string | null }>(
    `SELECT count(*)::text AS n, min(seq)::text AS min, max(seq)::text AS max FROM audit_events WHERE ${where.text}`,
    where.values,
  );
  const head = await client.query<{ seq: string; hash: Buffer }>(
    'SELECT e.seq::text AS seq, e.hash FROM audit_events e WHERE e.chain_id = $1 ORDER BY e.seq DESC LIMIT 1',
    [opts.chainId],
  );
  const { n, min, max } = stats.rows[0];
  // The chain is verified from the first exported event to the head, so the newest checkpoint
  // (which vouches for everything before it) is checked against the same bytes.
  const from = min ? BigInt(min) : undefined;
  const key = loadServerKey();
  const v = await verifyChain(client, { chainId: opts.chainId, fromSeq: from, trustedPublicKeyPem: key?.publicKeyPem ?? null });
  const summary = v.ok
    ? `intact: ${v.count} events from seq ${v.from} to ${v.headSeq}${v.checkpoint ? `, checkpoint at seq ${v.checkpoint.seq} ${v.checkpoint.status}` : ', no checkpoint yet'}`
    : v.broken
      ? `BROKEN at seq ${v.broken.seq}: ${v.broken.reason}`
      : `BROKEN: ${v.checkpoint?.detail ?? 'checkpoint mismatch'}`;
  const cp = await client.query<{ id: string; seq: string; hash: Buffer; signed_at: string; key_id: string; payload: string; signature: Buffer; public_key: string }>(
    `SELECT id::text, seq::text, hash, to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at, key_id, payload, signature, public_key
     FROM audit_checkpoints c WHERE c.chain_id = $1 AND ($2::bigint IS NULL OR c.seq >= $2) ORDER BY c.seq ASC, c.id ASC LIMIT 1`,
    [opts.chainId, max],
  );
  const c = cp.rows[0];
  return {
    chainId: opts.chainId,
    exportedBy: opts.exportedBy,
    exportedAt: new Date().toISOString(),
    filter: opts.filter,
    rows: Number(n),
    firstSeq: min,
    lastSeq: max,
    headSeq: head.rows[0]?.seq ?? '0',
    headHash: head.rows[0] ? head.rows[0].hash.toString('hex') : '',
    verification: { ok: v.ok, summary, checkedFrom: v.from, checkedTo: v.headSeq },
    checkpoint: c
      ? { id: c.id, seq: c.seq, hash: c.hash.toString('hex'), signedAt: c.signed_at, keyId: c.key_id, payload: c.payload, signature: c.signature.toString('hex'), publicKey: c.public_key }
      : null,
  };
}

/** Rows of the filter in ascending seq, `batch` at a time. */
export async function* exportRows(
  client: pg.ClientBase,
  opts: { chainId: string; filter: TAuditFilter; batch?: number; signal?: AbortSignal },
): AsyncGenerator<TExportRow[]> {
  const where = toPg(auditWhere(opts.chainId, opts.filter));
  const batch = opts.batch ?? 2000;
  let after = '0';
  const n = where.values.length;
  const text = `SELECT seq::text, to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS occurred_at,
      actor_type, actor_id, actor_name, actor_role, session_id, action, entity_type, entity_id, old_value, new_value,
      reason, context_ref, canonical, encode(prev_hash, 'hex') AS prev_hash, encode(hash, 'hex') AS hash
    FROM audit_events WHERE ${where.text} AND audit_events.seq > $${n + 1} ORDER BY audit_events.seq ASC LIMIT ${batch}`;
  for (;;) {
    if (opts.signal?.aborted) return;
    const { rows } = await client.query<TExportRow>(text, [...where.values, after]);
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batch) return;
    after = rows[rows.length - 1].seq;
  }
}
