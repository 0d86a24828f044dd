import { json, withApi } from '@/lib/api/handler';
import { telemetryPage } from '@/lib/api/v1/telemetry';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** A device's readings in a received-time window, cursor-paged (telemetry.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await telemetryPage(getDb(), user, new URL(req.url).searchParams)));
}
