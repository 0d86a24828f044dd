import { csvLine } from '@/lib/audit/export/csv-cell';
import type { TExportHeader, TExportRow } from '@/lib/audit/export/export-source';
import { formatFilter } from '@/lib/audit/export/format-filter';


/** The header block: who, when, what filter, which seq range, the head, and the verification. */
export function csvHeaderBlock(h: TExportHeader): string {
  return [
    csvLine(['# Custos audit trail export']),
    csvLine(['exported_by', h.exportedBy]),
    csvLine(['exported_at_utc', h.exportedAt]),
    csvLine(['chain', h.chainId]),
    csvLine(['filter', formatFilter(h.filter)]),
    csvLine(['rows', h.rows]),
    csvLine(['seq_range', h.firstSeq ? `${h.firstSeq}-${h.lastSeq}` : 'none']),
    csvLine(['head_seq', h.headSeq]),
    csvLine(['head_hash', h.headHash]),
    csvLine(['chain_verification', h.verification.summary]),
    csvLine(['checkpoint', h.checkpoint ? `seq ${h.checkpoint.seq} hash ${h.checkpoint.hash} signed ${h.checkpoint.signedAt} key ${h.checkpoint.keyId}` : 'none covering the range']),
    '\r\n',
    csvLine(CSV_ROW_COLUMNS.map((c) => (c === 'occurred_at' ? 'occurred_at_utc' : c))),
  ].join('');
}

/** The row columns a CSV line is made of (everything but the canonical text), in order; the header names occurred_at as occurred_at_utc. */
export const CSV_ROW_COLUMNS = [
  'seq',
  'occurred_at',
  'actor_type',
  'actor_id',
  'actor_name',
  'actor_role',
  'session_id',
  'action',
  'entity_type',
  'entity_id',
  'old_value',
  'new_value',
  'reason',
  'context_ref',
  'hash',
  'prev_hash',
] as const satisfies ReadonlyArray<keyof TExportRow>;

export function csvRows(rows: Array<Pick<TExportRow, (typeof CSV_ROW_COLUMNS)[number]>>): string {
  let out = '';
  for (const r of rows) {
    out += csvLine([
      r.seq,
      r.occurred_at,
      r.actor_type,
      r.actor_id,
      r.actor_name,
      r.actor_role,
      r.session_id,
      r.action,
      r.entity_type,
      r.entity_id,
      r.old_value,
      r.new_value,
      r.reason,
      r.context_ref,
      r.hash,
      r.prev_hash,
    ]);
  }
  return out;
}
