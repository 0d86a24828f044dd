import { randomUUID } from 'node:crypto';
import { isAppError } from '@/lib/errors/app-error';
import { logger } from '@/lib/log/logger';

/** The one mapping from a thrown error to an HTTP response: expected errors say what went wrong; others get a request id. */
export function toErrorResponse(e: unknown): Response {
  if (isAppError(e)) {
    return Response.json(
      { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } },
      {
        status: e.status,
        headers: { 'cache-control': 'no-store', ...(e.retryAfterS !== undefined ? { 'retry-after': String(e.retryAfterS) } : {}) },
      },
    );
  }
  const requestId = randomUUID();
  logger('http').error({ requestId, err: e }, 'unexpected error');
  return Response.json(
    { error: { code: 'INTERNAL', message: 'Something went wrong on the server', requestId } },
    { status: 500, headers: { 'cache-control': 'no-store' } },
  );
}
