import { currentSession } from '@/lib/auth/require-user';
import { revokeSession } from '@/lib/auth/revoke-session';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { assertSameOrigin } from '@/lib/http/same-origin';

export const dynamic = 'force-dynamic';

/** "Switch user" and sign-out: the session row is revoked whatever state it is in. */
export async function POST(req: Request) {
  try {
    assertSameOrigin(req);
    const { user } = await currentSession();
    if (user) await revokeSession(getDb(), user.sessionId, 'ended by the user');
    return Response.json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
