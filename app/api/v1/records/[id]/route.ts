import { json, withApi } from '@/lib/api/handler';
import { getRecordV1 } from '@/lib/api/v1/records';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** One record with every version and signature (records.read). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await getRecordV1(getDb(), user, (await ctx.params).id)));
}
