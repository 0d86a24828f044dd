import { recordActivity } from '@/lib/auth/record-activity';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { AppError } from '@/lib/errors/app-error';
import { toErrorResponse } from '@/lib/http/error-response';
import { assertSameOrigin } from '@/lib/http/same-origin';

export const dynamic = 'force-dynamic';

/** The browser reports real keyboard or pointer activity (throttled); only this moves the idle deadline. */
export async function POST(req: Request) {
  try {
    assertSameOrigin(req);
    const user = await requireUser({ allow: ['must_change_password', 'password_expired', 'mfa_pending'] });
    const deadline = await recordActivity(getDb(), user.sessionId);
    if (!deadline) throw new AppError('LOCKED', 'Session locked after inactivity — enter your password to continue');
    return Response.json({ idleDeadline: deadline.toISOString() }, { headers: { 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
