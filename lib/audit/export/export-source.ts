import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { TAuditFilter } from '@/lib/audit/audit-filter';
import { auditWhere, inlineSql } from '@/lib/audit/audit-sql';
import { dateRangeIsSeqRangePg } from '@/lib/audit/chain-time-order';
import { loadServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { CopyBinaryScanner } from '@/lib/db/copy-binary';
import type { Prisma } from '@/lib/generated/prisma/client';

// What every export states in its header, and the rows it contains, streamed out of
// PostgreSQL with one COPY (constant memory whatever the size).

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
  const timeOrdered = await dateRangeIsSeqRangePg(client, opts.chainId, opts.filter);
  const where = toPg(auditWhere(opts.chainId, opts.filter, { timeOrdered }));
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

/**
 * What each column of TExportRow is read as, and how its bytes in a binary COPY become the value.
 * The event's fields come from its canonical text (`cj`, parsed once per row), the text the chain
 * proves, never from the display columns beside it: an export carries only verified values.
 */
const fromCanonical = (name: string) => `(cj ->> '${name}')`;
const COLUMN: Record<keyof TExportRow, { sql: string; json?: true }> = {
  seq: { sql: 'seq::text' },
  occurred_at: { sql: fromCanonical('occurred_at') },
  actor_type: { sql: fromCanonical('actor_type') },
  actor_id: { sql: fromCanonical('actor_id') },
  actor_name: { sql: fromCanonical('actor_name') },
  actor_role: { sql: fromCanonical('actor_role') },
  session_id: { sql: fromCanonical('session_id') },
  action: { sql: fromCanonical('action') },
  entity_type: { sql: fromCanonical('entity_type') },
  entity_id: { sql: fromCanonical('entity_id') },
  old_value: { sql: "nullif(cj -> 'old_value', 'null'::jsonb)", json: true },
  new_value: { sql: "nullif(cj -> 'new_value', 'null'::jsonb)", json: true },
  reason: { sql: fromCanonical('reason') },
  context_ref: { sql: fromCanonical('context_ref') },
  canonical: { sql: 'canonical' },
  prev_hash: { sql: "encode(prev_hash, 'hex')" },
  hash: { sql: "encode(hash, 'hex')" },
};

const JSONB_VERSION = 1; // a jsonb value in binary COPY: this byte, then the JSON text

/**
 * Rows of the filter in ascending seq, with only the `columns` the format writes (the canonical
 * text is most of a row's bytes and only the bundle carries it), yielded as they arrive: one
 * array per chunk read from the connection.
 *
 * One `COPY (SELECT …) TO STDOUT (FORMAT binary)`, not pages of SELECTs: the whole export is
 * one statement and one snapshot, and each row lives only from its chunk's arrival to its being
 * written. Pages of 2,000 rows kept every row alive until its whole page had arrived and been
 * written; the rows survived young-generation GCs into V8's old generation, which then grew by
 * ~100 MB of garbage between full GCs: most of a CSV export's memory (bench/audit.ts). COPY takes
 * no bind parameters, so the filter's values are written in as quoted literals (inlineSql).
 * The connection pauses when the reader does (pg-copy-streams), so a slow download holds no
 * rows in memory. A COPY abandoned midway leaves the connection unusable: the caller must
 * release it with an error (run-export.ts does, for a cancelled export).
 */
export async function* exportRows<K extends keyof TExportRow>(
  client: pg.ClientBase,
  opts: { chainId: string; filter: TAuditFilter; columns: readonly K[]; signal?: AbortSignal },
): AsyncGenerator<Array<Pick<TExportRow, K | 'seq'>>> {
  const timeOrdered = await dateRangeIsSeqRangePg(client, opts.chainId, opts.filter);
  const names = [...new Set<keyof TExportRow>(['seq', ...opts.columns])];
  const json = names.map((c) => COLUMN[c].json === true);
  const sql = `COPY (SELECT ${names.map((c) => COLUMN[c].sql).join(', ')} FROM audit_events CROSS JOIN LATERAL (SELECT audit_events.canonical::jsonb AS cj) AS x
    WHERE ${inlineSql(auditWhere(opts.chainId, opts.filter, { timeOrdered }))} ORDER BY audit_events.seq ASC) TO STDOUT (FORMAT binary)`;
  let rows: Array<Record<string, unknown>> = [];
  const scanner = new CopyBinaryScanner((buf, start, len, n) => {
    if (n !== names.length) throw new Error(`unexpected row shape in the audit export COPY stream (${n} fields)`);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const s = start[i];
      const l = len[i];
      if (l < 0) row[names[i]] = null;
      else if (json[i]) {
        if (buf[s] !== JSONB_VERSION) throw new Error(`unknown jsonb version ${buf[s]} in the audit export COPY stream`);
        row[names[i]] = JSON.parse(buf.toString('utf8', s + 1, s + l));
      } else row[names[i]] = buf.toString('utf8', s, s + l);
    }
    rows.push(row);
  });
  scanner.on('error', () => undefined); // read from scanner.errored below
  const copy = client.query(copyTo(sql));
  try {
    for await (const chunk of copy) {
      if (opts.signal?.aborted) return;
      // The scanner's _write runs synchronously within write() (nothing is buffered: each call
      // completes before the next), so the chunk's rows are in `rows` when write() returns, and
      // a malformed stream has already errored it.
      scanner.write(chunk);
      if (scanner.errored) throw scanner.errored;
      if (rows.length > 0) {
        const out = rows as Array<Pick<TExportRow, K | 'seq'>>;
        rows = [];
        yield out;
      }
    }
  } catch (e) {
    if (opts.signal?.aborted) return; // cancelled: its connection was closed under the COPY
    throw e;
  }
  await new Promise<void>((resolve, reject) => scanner.end((e?: Error | null) => (e ? reject(e) : resolve())));
  if (scanner.errored) throw scanner.errored;
}
