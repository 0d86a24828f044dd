import { json, withApi } from '@/lib/api/handler';
import { getDb } from '@/lib/db/client';
import { getDevice } from '@/lib/devices/get-device';

export const dynamic = 'force-dynamic';

/** One device as /admin/devices/{id} shows it (devices.read): fingerprints, never key material. */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await getDevice(getDb(), user, (await ctx.params).id)));
}
