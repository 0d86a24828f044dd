import { describe, expect, it } from 'vitest';
import { CSV_ROW_COLUMNS, csvHeaderLine, csvRows, exportMetadata } from '@/lib/audit/export/write-csv';
import type { TExportHeader } from '@/lib/audit/export/export-source';

/** A strict RFC 4180 reader: records of fields, quoted fields may hold CRLF, commas and "". */
function parseRfc4180(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      out.push(row);
      row = [];
      field = '';
      i++;
    } else if (c === '\r' || c === '\n' || c === '"') {
      throw new Error(`bare ${JSON.stringify(c)} at ${i}`);
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length) throw new Error('last record does not end with CRLF');
  return out;
}

const row = (seq: string, reason: string | null) => ({
  seq,
  occurred_at: '2026-12-03T07:20:33.000000Z',
  actor_type: 'user',
  actor_id: 'E1',
  actor_name: 'Ann, "QA"',
  actor_role: 'QA Reviewer',
  session_id: null,
  action: 'change_request.secret_shown',
  entity_type: 'Record',
  entity_id: '0b0b0b0b-0000-4000-8000-000000000001',
  old_value: null,
  new_value: '{"a":1}',
  reason,
  context_ref: null,
  hash: 'ab',
  prev_hash: 'cd',
});

describe('audit CSV export', () => {
  it('[11.10(b)] is a plain RFC 4180 table: the column names are the first line, every record has the same number of fields', () => {
    const csv = csvHeaderLine() + csvRows([row('41', 'first line\r\nsecond line'), row('42', '=cmd|calc!A1')]);
    const records = parseRfc4180(csv);
    expect(records[0]).toEqual(CSV_ROW_COLUMNS.map((c) => (c === 'occurred_at' ? 'occurred_at_utc' : c)));
    expect(records).toHaveLength(3);
    for (const r of records) expect(r).toHaveLength(CSV_ROW_COLUMNS.length);
    expect(records[1][records[0].indexOf('reason')]).toBe('first line\r\nsecond line');
    expect(records[1][records[0].indexOf('actor_name')]).toBe('Ann, "QA"');
    // Formula injection stays neutralized.
    expect(records[2][records[0].indexOf('reason')]).toBe("'=cmd|calc!A1");
    expect(csv.startsWith('seq,occurred_at_utc,')).toBe(true);
  });

  it('keeps the metadata a header block used to carry for the audit event', () => {
    const h: TExportHeader = {
      chainId: 'main',
      exportedBy: 'Ann (E1)',
      exportedAt: '2026-12-03T07:20:33.000Z',
      filter: { actor: 'E2' },
      rows: 2,
      firstSeq: '41',
      lastSeq: '42',
      headSeq: '50',
      headHash: 'ff',
      verification: { ok: true, summary: 'intact: 50 events', checkedFrom: '1', checkedTo: '50' },
      checkpoint: { id: '1', seq: '50', hash: 'ff', signedAt: '2026-12-03T07:20:33.000Z', keyId: 'k1', payload: 'p', signature: 's', publicKey: 'k' },
    };
    expect(exportMetadata(h)).toEqual({
      exportedBy: 'Ann (E1)',
      exportedAt: '2026-12-03T07:20:33.000Z',
      chain: 'main',
      filterText: 'actor=E2',
      headSeq: '50',
      headHash: 'ff',
      checkpoint: { seq: '50', hash: 'ff', signedAt: '2026-12-03T07:20:33.000Z', keyId: 'k1' },
    });
  });
});
