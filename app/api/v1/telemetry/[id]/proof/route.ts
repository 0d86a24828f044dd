import { json, withApi } from '@/lib/api/handler';
import { getDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { proveReading } from '@/lib/ingest/prove-reading';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/** 21 CFR 11.10(e): one reading's inclusion proof, re-checkable offline (telemetry.read). */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  return withApi(req, { write: false }, async (user) => {
    requirePermission(user, 'telemetry.read');
    const { id } = await ctx.params;
    if (!/^\d{1,18}$/.test(id)) throw new AppError('NOT_FOUND', 'No reading with this id');
    return json(await proveReading(getDb(), BigInt(id)));
  });
}
