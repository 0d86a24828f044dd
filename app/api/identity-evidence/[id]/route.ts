import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { getEvidence } from '@/lib/users/identity-evidence';

export const dynamic = 'force-dynamic';

/** One identity evidence file, as stored (21 CFR 11.100(b)); users.read, like the user it is about. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    const user = await requireUser();
    const e = await getEvidence(getDb(), user, (await ctx.params).id);
    return new Response(new Uint8Array(e.bytes), {
      headers: {
        'content-type': e.contentType,
        'content-disposition': `attachment; filename="${e.filename.replace(/[^\w.-]/g, '_')}"`,
        'x-content-sha256': e.sha256,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
    });
  } catch (e) {
    return toErrorResponse(e);
  }
}
