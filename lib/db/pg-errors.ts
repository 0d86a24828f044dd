import { describeDatabaseUrl } from '@/lib/config/database-url';

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET']);

/** One line a newcomer can act on when the database cannot be reached; null for other errors. */
export function explainConnectionError(e: unknown, url: string): string | null {
  const err = e as { code?: string; message?: string; errors?: Array<{ code?: string }> };
  const code = err.code ?? err.errors?.[0]?.code;
  const where = describeDatabaseUrl(url);
  if (code && UNREACHABLE.has(code)) {
    return `cannot reach PostgreSQL at ${where} (${code}): check that the server is running and that DATABASE_URL names the right host and port`;
  }
  if (code === '28P01' || code === '28000') {
    return `PostgreSQL at ${where} refused the credentials (${code}): check the user and password in DATABASE_URL`;
  }
  if (code === '3D000') {
    return `database ${where} does not exist: create it (createdb) or fix DATABASE_URL`;
  }
  return null;
}
