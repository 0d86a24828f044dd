import { json, withApi } from '@/lib/api/handler';
import { createRecordV1, listRecordsPage } from '@/lib/api/v1/records';
import { getDb } from '@/lib/db/client';
import { readJsonObject } from '@/lib/http/json-body';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/** Records, oldest first, cursor-paged (records.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await listRecordsPage(getDb(), user, Object.fromEntries(new URL(req.url).searchParams))));
}

/** A new record, version 1, draft (records.create). Never signed here. */
export async function POST(req: Request): Promise<Response> {
  return withApi(req, { write: true }, async (user) => {
    requirePermission(user, 'records.create');
    const created = await createRecordV1(getDb(), user, await readJsonObject(req, 256 * 1024));
    return json(created, { status: 201, headers: { location: `/api/v1/records/${created.id}` } });
  });
}
