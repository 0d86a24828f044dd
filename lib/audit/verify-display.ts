import type pg from 'pg';

// 21 CFR 11.10(e): what people see of an event — the viewer, the record page, the exports — is
// read from its columns (actor_id, actor_name, action, new_value, …), while the chain proves its
// canonical text. The application role cannot UPDATE audit_events, but the database's owner
// can; so verification also checks that every column equals its value in the canonical text.

export interface TDisplayMismatch {
  seq: string;
  /** The columns that differ from the canonical text, in column order. */
  columns: string[];
  /** The first of them: what the column shows and what the chain holds. */
  detail: string;
}

export interface TDisplayCheck {
  ok: boolean;
  checked: number;
  /** Events whose columns differ from their canonical text. */
  mismatches: number;
  /** The first few of them, in seq order (the first is the answer). */
  first: TDisplayMismatch[];
}

/** Each display column, and the SQL that reads it the way the canonical text writes it. */
const TEXT_COLUMNS: Array<[string, string]> = [
  ['chain_id', 'chain_id'],
  ['seq', 'seq::text'],
  ['occurred_at', `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`],
  ['actor_type', 'actor_type'],
  ['actor_id', 'actor_id'],
  ['actor_name', 'actor_name'],
  ['actor_role', 'actor_role'],
  ['session_id', 'session_id'],
  ['action', 'action'],
  ['entity_type', 'entity_type'],
  ['entity_id', 'entity_id'],
  ['reason', 'reason'],
  ['context_ref', 'context_ref'],
];
const JSON_COLUMNS = ['old_value', 'new_value'];
export const DISPLAY_COLUMNS = [...TEXT_COLUMNS.map(([c]) => c), ...JSON_COLUMNS];

const differs = [
  ...TEXT_COLUMNS.map(([name, sql]) => `CASE WHEN (c ->> '${name}') IS DISTINCT FROM ${sql} THEN '${name}' END`),
  // jsonb equality is by value (key order and number spelling do not matter); absent is JSON null.
  ...JSON_COLUMNS.map((name) => `CASE WHEN coalesce(${name}, 'null'::jsonb) IS DISTINCT FROM (c -> '${name}') THEN '${name}' END`),
].join(',\n      ');

const LIST = 10;

/**
 * Compares the display columns of seq in [from, to] with the canonical text, in the database
 * (one scan, the canonical parsed as jsonb). Only rows whose canonical text the chain has just
 * verified are given to it, so the canonical is the truth.
 */
export async function verifyDisplayColumns(client: pg.ClientBase, chainId: string, from: bigint, to: bigint): Promise<TDisplayCheck> {
  if (to < from) return { ok: true, checked: 0, mismatches: 0, first: [] };
  const { rows } = await client.query<{ seq: string; cols: string[]; n: string }>(
    `WITH m AS (
       SELECT seq, array_remove(ARRAY[
      ${differs}
       ]::text[], NULL) AS cols
       FROM (SELECT *, canonical::jsonb AS c FROM audit_events WHERE chain_id = $1 AND seq >= $2 AND seq <= $3) e)
     SELECT seq::text, cols, count(*) OVER ()::text AS n FROM m WHERE cardinality(cols) > 0 ORDER BY m.seq LIMIT ${LIST}`,
    [chainId, from.toString(), to.toString()],
  );
  const checked = Number(to - from + 1n);
  const bad = rows;
  if (bad.length === 0) return { ok: true, checked, mismatches: 0, first: [] };
  const first: TDisplayMismatch[] = [];
  for (const r of bad) first.push({ seq: r.seq, columns: r.cols, detail: await describe(client, chainId, r.seq, r.cols[0]) });
  return { ok: false, checked, mismatches: Number(bad[0].n), first };
}

async function describe(client: pg.ClientBase, chainId: string, seq: string, column: string): Promise<string> {
  const text = TEXT_COLUMNS.find(([c]) => c === column);
  const shown = text ? text[1] : `${column}::text`;
  const { rows } = await client.query<{ shown: string | null; chain: string | null }>(
    `SELECT ${shown} AS shown, ${text ? `canonical::jsonb ->> '${column}'` : `(canonical::jsonb -> '${column}')::text`} AS chain
     FROM audit_events WHERE chain_id = $1 AND seq = $2`,
    [chainId, seq],
  );
  const q = (v: string | null | undefined) => (v === null || v === undefined ? 'null' : JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v));
  return `seq ${seq}: column ${column} shows ${q(rows[0]?.shown)}, the chain holds ${q(rows[0]?.chain)}`;
}
