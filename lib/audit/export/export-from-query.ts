import { Readable } from 'node:stream';
import { parseAuditFilter } from '@/lib/audit/audit-filter';
import { chainParam } from '@/lib/audit/chain-param';
import { EXPORT_FORMATS, refuseAuditExportUnlessPermitted, startAuditExport, type TExportFormat } from '@/lib/audit/export/run-export';
import type { TCurrentUser } from '@/lib/auth/get-session-user';
import type { TDb } from '@/lib/db/client';
import { getPgPool } from '@/lib/db/pg-pool';
import { AppError } from '@/lib/errors/app-error';

// One export from an address `?format=csv|pdf|bundle[&chain=ID]&<filter>`, for the viewer's
// download (/api/audit/export) and the integration API (/api/v1/audit-events/export) alike:
// the same authority check, the same audited start and completion (21 CFR 11.10(b)(e)).

/** Text as the trail can hold it (PostgreSQL text and JSON refuse NUL). */
function clean(s: string): string {
  return s.replace(/\u0000/g, '');
}

/** Authority first (a refusal is audited with what was asked for, as text, unparsed), then the input, then the stream. */
export async function exportAuditFromQuery(db: TDb, user: TCurrentUser, params: URLSearchParams): Promise<Response> {
  await refuseAuditExportUnlessPermitted(db, user, {
    format: params.get('format') ?? 'csv',
    filter: Object.fromEntries([...params.entries()].filter(([k]) => k !== 'format').slice(0, 20).map(([k, v]) => [clean(k).slice(0, 40), clean(v).slice(0, 200)])),
  });
  const format = params.get('format') ?? 'csv';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('BAD_REQUEST', 'format must be csv, pdf or bundle', { format: 'invalid' });
  const parsed = parseAuditFilter(params);
  if (!parsed.ok) throw new AppError('BAD_REQUEST', parsed.message, { [parsed.field]: parsed.message });
  const chainId = chainParam(params.get('chain'));
  const client = await getPgPool().connect();
  let exp;
  try {
    exp = await startAuditExport(db, client, user, { format: format as TExportFormat, filter: parsed.filter, chainId });
  } catch (e) {
    client.release();
    throw e;
  }
  return new Response(Readable.toWeb(exp.stream) as ReadableStream<Uint8Array>, {
    headers: {
      'content-type': exp.contentType,
      'content-disposition': `attachment; filename="${exp.filename}"`,
      'cache-control': 'no-store',
      'x-custos-export-id': exp.exportId,
      'x-custos-rows': String(exp.header.rows),
      'x-custos-verification': exp.header.verification.ok ? 'intact' : 'broken',
    },
  });
}
