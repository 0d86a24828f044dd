import { requireUser } from '@/lib/auth/require-user';
import { unlockSession } from '@/lib/auth/unlock-session';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { readJsonObject } from '@/lib/http/json-body';
import { assertSameOrigin } from '@/lib/http/same-origin';
import { clientAddress } from '@/lib/http/client-address';

export const dynamic = 'force-dynamic';

/** Idle-lock re-entry with the same user's password. The only request an idle-locked session may make. */
export async function POST(req: Request) {
  try {
    assertSameOrigin(req);
    const user = await requireUser({ allow: ['idle_locked', 'must_change_password', 'password_expired', 'mfa_pending'] });
    const body = await readJsonObject(req);
    await unlockSession(getDb(), user.sessionId, body.password, { ip: clientAddress(req.headers.get('x-forwarded-for')) });
    return Response.json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
