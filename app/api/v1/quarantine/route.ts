import { json, withApi } from '@/lib/api/handler';
import { quarantinePage } from '@/lib/api/v1/quarantine';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Quarantined messages, newest first, cursor-paged (quarantine.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await quarantinePage(getDb(), user, new URL(req.url).searchParams)));
}
