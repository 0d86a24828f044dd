import { json, withApi } from '@/lib/api/handler';
import { getDb } from '@/lib/db/client';
import { getQuarantineEntry } from '@/lib/telemetry/get-quarantine-entry';

export const dynamic = 'force-dynamic';

/** One quarantine entry as /quarantine/{id} shows it (quarantine.read). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await getQuarantineEntry(getDb(), user, (await ctx.params).id)));
}
