// Bad requests are answered 400/405 before they reach a page, a route or a server action, so
// that nothing is logged as a server error for them (they are the client's fault):
//   - methods other than the ones the application serves (TRACE, TRACK, CONNECT …): 405;
//   - a server-action POST whose body is not what a browser sends: 400.

export const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const ALLOWED = new Set<string>(ALLOWED_METHODS);

export type TGuardVerdict = { ok: true } | { ok: false; status: 400 | 405; message: string };

export function checkMethod(method: string): TGuardVerdict {
  return ALLOWED.has(method.toUpperCase()) ? { ok: true } : { ok: false, status: 405, message: `Method ${method.slice(0, 16)} is not allowed` };
}

/** A server-action body as React encodes it: multipart with its boundary, or JSON text. */
export function checkServerActionBody(contentType: string | null, body: string): TGuardVerdict {
  const type = (contentType ?? '').toLowerCase();
  if (type.startsWith('multipart/form-data')) {
    const boundary = /boundary=("?)([^";]+)\1/i.exec(contentType ?? '')?.[2];
    if (!boundary || !body.includes(`--${boundary}`)) return { ok: false, status: 400, message: 'Malformed form data' };
    return { ok: true };
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return { ok: true };
  if (type.startsWith('text/plain') || type === '') {
    try {
      const v: unknown = JSON.parse(body);
      if (Array.isArray(v) || typeof v === 'string') return { ok: true };
    } catch {
      // fall through
    }
    return { ok: false, status: 400, message: 'Malformed server action request' };
  }
  return { ok: false, status: 400, message: 'Unsupported content type for a server action' };
}
