// The owner URL (DATABASE_URL) runs migrations; the application connects as custos_app, a role
// that owns no table and may only INSERT/SELECT on the append-only ones.
export const APP_ROLE = 'custos_app';

export function appDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  if (env.APP_DATABASE_URL) return env.APP_DATABASE_URL;
  const owner = ownerDatabaseUrl(env);
  if (env.CUSTOS_EMBEDDED === '1') return owner; // embedded PGlite: see lib/db/embedded.ts
  const url = new URL(owner);
  url.username = APP_ROLE;
  url.password = env.APP_DATABASE_PASSWORD ?? '';
  return url.toString();
}

export function ownerDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  const url = env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL is not set (npm start sets it to the embedded database)');
  }
  return url;
}

/** "host:port/db" for messages: never prints credentials. */
export function describeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}
