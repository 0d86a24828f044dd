import { createHash } from 'node:crypto';

/**
 * How a session is named outside the sessions table (audit trail, exports, signatures): the
 * first 16 hex digits of SHA-256 of its id. Stable for one session, so its events can be
 * grouped, but it cannot be replayed as a cookie nor matched with one (ASVS 7.4, 8.3.4).
 * CLI invocations (`cli:<pid>`) are not secrets and are kept as they are.
 */
export function sessionRef(sessionId: string): string;
export function sessionRef(sessionId: string | null | undefined): string | null;
export function sessionRef(sessionId: string | null | undefined): string | null {
  if (!sessionId) return null;
  if (sessionId.startsWith('cli:') || /^[0-9a-f]{16}$/.test(sessionId)) return sessionId;
  return createHash('sha256').update(sessionId).digest('hex').slice(0, 16);
}
