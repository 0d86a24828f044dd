/** What `GET /api/auth/session` tells page JavaScript: when the cookie expires, never the session id. */
export function publicSession(body: unknown): { expires?: unknown } {
  return body && typeof body === 'object' && 'expires' in body ? { expires: (body as { expires: unknown }).expires } : {};
}
