import { csvLine } from '@/lib/audit/export/csv-cell';
import type { TExportHeader, TExportRow } from '@/lib/audit/export/export-source';
import { formatFilter } from '@/lib/audit/export/format-filter';

/**
 * The first line of a CSV export: the column names, nothing before them (RFC 4180 §2.3), so a
 * spreadsheet or `pandas.read_csv` reads the file as a plain table. Who exported it, when, with
 * which filter, the chain head, the verification, the checkpoint and the file's SHA-256 are kept
 * in the export's audit event (`exportMetadata`), not in the file.
 */
export function csvHeaderLine(): string {
  return csvLine(CSV_ROW_COLUMNS.map((c) => (c === 'occurred_at' ? 'occurred_at_utc' : c)));
}

/** What the file does not carry: the export's metadata, recorded in its audit event. */
export function exportMetadata(h: TExportHeader) {
  return {
    exportedBy: h.exportedBy,
    exportedAt: h.exportedAt,
    chain: h.chainId,
    filterText: formatFilter(h.filter),
    headSeq: h.headSeq,
    headHash: h.headHash,
    checkpoint: h.checkpoint ? { seq: h.checkpoint.seq, hash: h.checkpoint.hash, signedAt: h.checkpoint.signedAt, keyId: h.checkpoint.keyId } : null,
  };
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
