import { currentSession } from '@/lib/auth/require-user';
import { toErrorResponse } from '@/lib/http/error-response';

export const dynamic = 'force-dynamic';

/** The session's state and idle deadline, for the browser's lock timer. Reading it never extends the session. */
export async function GET() {
  try {
    const { state, user: found } = await currentSession();
    // An ended session (revoked, expired, disabled, locked) says nothing about whose it was.
    const user = found && ['ok', 'idle_locked', 'mfa_pending', 'must_change_password', 'password_expired'].includes(state) ? found : null;
    return Response.json(
      {
        state,
        user: user && { employeeId: user.employeeId, displayName: user.displayName },
        idleDeadline: user?.idleDeadline.toISOString() ?? null,
        idleTimeoutS: user?.idleTimeoutS ?? null,
      },
      { headers: { 'cache-control': 'no-store' } },
    );
  } catch (e) {
    return toErrorResponse(e);
  }
}
