import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { proveReading } from '@/lib/ingest/prove-reading';
import { requirePermission } from '@/lib/rbac/require-permission';

export const dynamic = 'force-dynamic';

/**
 * 21 CFR 11.10(e): the inclusion proof of one reading — its leaf, the Merkle path to its batch's
 * root, and the audit event holding that root — as JSON anyone can re-check offline.
 */
export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const user = await requireUser();
    // Authority first: a refused caller learns nothing about which ids exist.
    requirePermission(user, 'telemetry.read');
    const { id } = await ctx.params;
    if (!/^\d{1,18}$/.test(id)) throw new AppError('NOT_FOUND', 'No reading with this id');
    const proof = await proveReading(getDb(), BigInt(id));
    // ?download=1 (the proof page's "Download JSON"): saved as a file rather than shown.
    const disposition = new URL(req.url).searchParams.get('download') === '1' ? 'attachment' : 'inline';
    return Response.json(proof, { headers: { 'cache-control': 'no-store', 'content-disposition': `${disposition}; filename="reading-${id}-proof.json"` } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
