import { json, withApi } from '@/lib/api/handler';
import { getDb } from '@/lib/db/client';
import { listQuarantine } from '@/lib/telemetry/list-quarantine';

export const dynamic = 'force-dynamic';

/** Quarantined messages, newest first, as /quarantine lists them (quarantine.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await listQuarantine(getDb(), user, Object.fromEntries(new URL(req.url).searchParams))));
}
