import { requireUser } from '@/lib/auth/require-user';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { readJsonObject } from '@/lib/http/json-body';
import { assertSameOrigin } from '@/lib/http/same-origin';

export const dynamic = 'force-dynamic';

/**
 * Approve or reject without the UI: the same electronic signature (employee ID + password
 * re-entered) and the same four-eyes rules as the page — a requester's own approval is 403.
 */
export async function POST(req: Request, ctx: { params: Promise<{ id: string }> }) {
  try {
    assertSameOrigin(req);
    const user = await requireUser();
    const { id } = await ctx.params;
    const body = await readJsonObject(req);
    const result = await decideChangeRequest(getDb(), user, {
      id,
      decision: body.decision,
      payloadHash: body.payloadHash,
      reason: body.reason,
      employeeId: body.employeeId,
      password: body.password,
    });
    return Response.json(result, { headers: { 'cache-control': 'no-store' } });
  } catch (e) {
    return toErrorResponse(e);
  }
}
