import { Readable } from 'node:stream';
import { parseAuditFilter } from '@/lib/audit/audit-filter';
import { chainParam } from '@/lib/audit/chain-param';
import { EXPORT_FORMATS, refuseAuditExportUnlessPermitted, startAuditExport, type TExportFormat } from '@/lib/audit/export/run-export';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { getPgPool } from '@/lib/db/pg-pool';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';

export const dynamic = 'force-dynamic';

/** GET /api/audit/export?format=csv|pdf|bundle[&chain=ID]&<filter>: streamed, audited export of the filtered trail. */
export async function GET(req: Request) {
  try {
    const user = await requireUser();
    // Authority first; a refusal is audited with what was asked for (as text, unparsed).
    const asked = new URL(req.url).searchParams;
    await refuseAuditExportUnlessPermitted(getDb(), user, {
      format: asked.get('format') ?? 'csv',
      filter: Object.fromEntries([...asked.entries()].filter(([k]) => k !== 'format').slice(0, 20).map(([k, v]) => [clean(k).slice(0, 40), clean(v).slice(0, 200)])),
    });
    const params = new URL(req.url).searchParams;
    const format = params.get('format') ?? 'csv';
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new AppError('BAD_REQUEST', 'format must be csv, pdf or bundle', { format: 'invalid' });
    const parsed = parseAuditFilter(params);
    if (!parsed.ok) throw new AppError('BAD_REQUEST', parsed.message, { [parsed.field]: parsed.message });
    const chainId = chainParam(params.get('chain'));
    const client = await getPgPool().connect();
    let exp;
    try {
      exp = await startAuditExport(getDb(), client, user, { format: format as TExportFormat, filter: parsed.filter, chainId });
    } catch (e) {
      client.release();
      throw e;
    }
    return new Response(Readable.toWeb(exp.stream) as ReadableStream<Uint8Array>, {
      headers: {
        'content-type': exp.contentType,
        'content-disposition': `attachment; filename="${exp.filename}"`,
        'cache-control': 'no-store',
        'x-custos-rows': String(exp.header.rows),
        'x-custos-verification': exp.header.verification.ok ? 'intact' : 'broken',
      },
    });
  } catch (e) {
    return toErrorResponse(e);
  }
}

/** Text as the trail can hold it (PostgreSQL text and JSON refuse NUL). */
function clean(s: string): string {
  return s.replace(/\u0000/g, '');
}
