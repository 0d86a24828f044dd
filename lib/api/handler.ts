import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { toProblem } from '@/lib/api/problem';
import { verifyServiceToken } from '@/lib/api/verify-service-token';
import { getDb } from '@/lib/db/client';
import { assertSameOrigin } from '@/lib/http/same-origin';

// Who calls /api/v1: a service account (Authorization: Bearer <JWT>) or a person's browser
// session (the cookie; state-changing calls only from our own pages). Either way the route then
// calls the same service the UI calls, which checks the same permission (21 CFR 11.10(d)(g)):
// a token's permissions are its scopes, and no scope is ever a signing meaning.

/** The client address as the reverse proxy reports it (first X-Forwarded-For hop), else X-Real-IP. */
export function clientIp(req: Request): string | null {
  const xff = req.headers.get('x-forwarded-for');
  return (xff ? xff.split(',')[0].trim() : req.headers.get('x-real-ip')?.trim()) || null;
}

export async function apiPrincipal(req: Request, opts: { write: boolean }): Promise<TCurrentUser> {
  const auth = req.headers.get('authorization');
  if (auth !== null) return verifyServiceToken(getDb(), auth, { sourceIp: clientIp(req) });
  if (opts.write) assertSameOrigin(req);
  // Loaded here only: the session path needs the Next.js request context.
  const { requireUser } = await import('@/lib/auth/require-user');
  return requireUser();
}

/**
 * Runs an /api/v1 handler: authenticates first (nothing is parsed before), then maps every
 * error to problem+json.
 */
export async function withApi(req: Request, opts: { write: boolean }, fn: (user: TCurrentUser) => Promise<Response>): Promise<Response> {
  const service = req.headers.get('authorization') !== null;
  try {
    const user = await apiPrincipal(req, opts);
    return await fn(user);
  } catch (e) {
    return toProblem(e, service);
  }
}

export function json(body: unknown, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return Response.json(body, { status: init.status ?? 200, headers: { 'cache-control': 'no-store', ...init.headers } });
}
