import { json, withApi } from '@/lib/api/handler';
import { newVersionV1 } from '@/lib/api/v1/records';
import { getDb } from '@/lib/db/client';
import { readJsonObject } from '@/lib/http/json-body';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/** A new version with its reason (records.edit); the record goes back to draft as in the UI. */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withApi(req, { write: true }, async (user) => {
    requirePermission(user, 'records.edit');
    const r = await newVersionV1(getDb(), user, (await ctx.params).id, await readJsonObject(req, 256 * 1024));
    return json(r, { status: 201 });
  });
}
