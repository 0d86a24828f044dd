import { exportAuditFromQuery } from '@/lib/audit/export/export-from-query';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';

export const dynamic = 'force-dynamic';

/** GET /api/audit/export?format=csv|pdf|bundle[&chain=ID]&<filter>: streamed, audited export of the filtered trail. */
export async function GET(req: Request) {
  try {
    const user = await requireUser();
    return await exportAuditFromQuery(getDb(), user, new URL(req.url).searchParams);
  } catch (e) {
    return toErrorResponse(e);
  }
}
