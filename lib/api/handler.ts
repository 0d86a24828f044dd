import type { TCurrentUser } from '@/lib/auth/get-session-user';
import { toProblem } from '@/lib/api/problem';
import { verifyServiceToken } from '@/lib/api/verify-service-token';
import { getDb } from '@/lib/db/client';
import { clientAddress } from '@/lib/http/client-address';
import { assertSameOrigin } from '@/lib/http/same-origin';

// Who calls /api/v1: a service account (Authorization: Bearer <JWT>) or a person's browser
// session (the cookie; state-changing calls only from our own pages). Either way the route then
// calls the same service the UI calls, which checks the same permission (21 CFR 11.10(d)(g)):
// a token's permissions are its scopes, and no scope is ever a signing meaning.

/**
 * The client address for a service account's allowed networks: X-Forwarded-For read from the
 * right through CUSTOS_TRUSTED_PROXIES only (lib/http/client-address.ts). The first hop is
 * whatever the client wrote — a forged `X-Forwarded-For: 10.0.0.5` would otherwise pass a
 * 10.0.0.0/8 rule — and the Node server appends the real peer as the last hop. X-Real-IP is not
 * read: a client can send it too.
 */
export function clientIp(req: Request): string | null {
  return clientAddress(req.headers.get('x-forwarded-for'));
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
