import type pg from 'pg';
import { signatureValidity, type TSignatureValidity } from '@/lib/esign/signature-validity';

export interface TSignatureCheck {
  checked: number;
  invalid: Array<{ signatureId: string; recordId: string; version: number; validity: Exclude<TSignatureValidity, 'valid'> }>;
}

/** Every signature against the content it signed, in pages (11.70: signatures stay bound to their records). */
export async function verifySignatures(client: pg.ClientBase, opts: { limitReported?: number } = {}): Promise<TSignatureCheck> {
  const out: TSignatureCheck = { checked: 0, invalid: [] };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await client.query<{
      id: string;
      record_id: string;
      version: number;
      sig_hash: Buffer;
      content_canonical: string;
      content_hash: Buffer;
    }>(
      `SELECT s.id, s.record_id, s.version, s.content_hash AS sig_hash, v.content_canonical, v.content_hash
       FROM signatures s JOIN record_versions v ON v.id = s.record_version_id
       WHERE s.id > $1 ORDER BY s.id LIMIT 5000`,
      [after],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      out.checked += 1;
      const validity = signatureValidity({ contentHash: r.sig_hash }, { contentCanonical: r.content_canonical, contentHash: r.content_hash });
      if (validity !== 'valid' && out.invalid.length < (opts.limitReported ?? 100)) {
        out.invalid.push({ signatureId: r.id, recordId: r.record_id, version: r.version, validity });
      }
    }
    after = rows[rows.length - 1].id;
  }
  return out;
}
