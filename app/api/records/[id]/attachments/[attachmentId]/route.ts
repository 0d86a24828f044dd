import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { getAttachment } from '@/lib/records/attachments';

export const dynamic = 'force-dynamic';

/** A file kept with a record version, as stored, with its SHA-256 (records.read). */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string; attachmentId: string }> }) {
  try {
    const user = await requireUser();
    const a = await getAttachment(getDb(), user, (await ctx.params).attachmentId);
    return new Response(new Uint8Array(a.bytes), {
      headers: {
        'content-type': a.contentType,
        'content-disposition': `attachment; filename="${a.filename.replace(/[^\w.-]/g, '_')}"`,
        'x-content-sha256': a.sha256,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  } catch (e) {
    return toErrorResponse(e);
  }
}
