import { withApi } from '@/lib/api/handler';
import { exportAuditFromQuery } from '@/lib/audit/export/export-from-query';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/**
 * The viewer's export as a streamed download (audit.read and audit.export): CSV, PDF or the
 * signed bundle of the filtered trail, audited as `audit.export_started` and `audit.export` by the caller.
 */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => exportAuditFromQuery(getDb(), user, new URL(req.url).searchParams));
}
