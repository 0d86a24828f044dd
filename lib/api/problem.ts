import { randomUUID } from 'node:crypto';
import { isTokenRefusal, TokenRefusal, countRefusal } from '@/lib/api/verify-service-token';
import { isAppError, type TAppErrorCode } from '@/lib/errors/app-error';
import { logger } from '@/lib/log/logger';

// RFC 9457 problem details for /api/v1: `type` names the problem (urn:custos:problem:<code>),
// `detail` is safe to show, `errors` names the fields that are wrong. Token refusals also carry
// the RFC 6750 WWW-Authenticate challenge.

const TITLES: Record<TAppErrorCode | 'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'INTERNAL', string> = {
  BAD_REQUEST: 'Bad request',
  UNAUTHENTICATED: 'Authentication required',
  FORBIDDEN: 'Not permitted',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  LOCKED: 'Locked',
  UNAVAILABLE: 'Unavailable',
  CONFIG: 'Configuration error',
  RATE_LIMITED: 'Too many attempts',
  invalid_request: 'Bearer token required',
  invalid_token: 'Invalid bearer token',
  insufficient_scope: 'Insufficient scope',
  INTERNAL: 'Internal error',
};

export const PROBLEM_TYPE = 'application/problem+json';

export function problem(status: number, code: keyof typeof TITLES, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ type: `urn:custos:problem:${code}`, title: TITLES[code], status, detail, ...extra }), {
    status,
    headers: { 'content-type': PROBLEM_TYPE, 'cache-control': 'no-store', ...headers },
  });
}

/** The one mapping from a thrown error to an /api/v1 response. `service`: the caller came with a token. */
export function toProblem(e: unknown, service = false): Response {
  if (isTokenRefusal(e)) return problem(e.status, e.error, e.description, {}, { 'www-authenticate': e.wwwAuthenticate });
  if (isAppError(e)) {
    const extra = e.fields ? { errors: e.fields } : {};
    if (service && e.code === 'FORBIDDEN') {
      // What the UI would refuse a person, said as RFC 6750 says it to a token.
      const scope = /permissions? ([a-z_.]+)/.exec(e.message)?.[1];
      const r = new TokenRefusal('insufficient_scope', e.message, 'insufficient_scope', scope);
      countRefusal(r);
      return problem(403, 'insufficient_scope', e.message, extra, { 'www-authenticate': r.wwwAuthenticate });
    }
    return problem(e.status, e.code, e.message, extra, e.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer realm="custos-api"' } : {});
  }
  const requestId = randomUUID();
  logger('api').error({ requestId, err: e }, 'unexpected error');
  return problem(500, 'INTERNAL', 'Something went wrong on the server', { requestId });
}
