import { json, withApi } from '@/lib/api/handler';
import { listDevicesPage } from '@/lib/api/v1/devices';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Devices by id, cursor-paged (devices.read). */
export async function GET(req: Request): Promise<Response> {
  return withApi(req, { write: false }, async (user) => json(await listDevicesPage(getDb(), user, Object.fromEntries(new URL(req.url).searchParams))));
}
