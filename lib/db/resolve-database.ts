import pg from 'pg';
import { appDatabaseUrl } from '@/lib/config/database-url';
import { startEmbeddedDatabase, type TEmbeddedDatabase } from '@/lib/db/embedded';
import { migrate } from '@/lib/db/migrate';
import { explainConnectionError } from '@/lib/db/pg-errors';

export interface TResolvedDatabase {
  ownerUrl: string;
  appUrl: string;
  embedded: TEmbeddedDatabase | null;
  close(): Promise<void>;
}

export class DatabaseUnreachableError extends Error {}

/**
 * DATABASE_URL when set; otherwise the embedded PGlite database (the one a running `npm start`
 * serves, or this process opens ./data itself). Checks the connection once and turns failures
 * into one line a newcomer can act on.
 */
export async function resolveDatabase(opts: { migrateEmbedded?: boolean } = {}): Promise<TResolvedDatabase> {
  let embedded: TEmbeddedDatabase | null = null;
  if (!process.env.DATABASE_URL) {
    embedded = await startEmbeddedDatabase();
    process.env.DATABASE_URL = embedded.url;
    process.env.CUSTOS_EMBEDDED = '1';
  }
  const ownerUrl = process.env.DATABASE_URL;
  const appUrl = appDatabaseUrl();
  await checkReachable(ownerUrl);
  if (embedded?.owned && opts.migrateEmbedded !== false) {
    await withClient(ownerUrl, (c) => migrate(c));
    await embedded.setAppRole();
  }
  return { ownerUrl, appUrl, embedded, close: async () => embedded?.stop() };
}

export async function checkReachable(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
  } catch (e) {
    const line = explainConnectionError(e, url);
    throw new DatabaseUnreachableError(line ?? `database error: ${(e as Error).message}`);
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}
