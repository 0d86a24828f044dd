import { json, withApi } from '@/lib/api/handler';
import { auditEventsPage } from '@/lib/api/v1/audit-events';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Audit events with the viewer's filters, keyset-paged (audit.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await auditEventsPage(getDb(), user, new URL(req.url).searchParams)));
}
