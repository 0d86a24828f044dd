import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@/lib/db/migrate';
import { createDb, type TDb } from '@/lib/db/client';

// Every integration test file gets its own freshly migrated database on the real PostgreSQL
// server (TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres).

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface TTestDatabase {
  name: string;
  ownerUrl: string;
  appUrl: string;
  db: TDb;
  /** A pg client connected as the owner (superuser on the test server): for tampering. */
  owner(): Promise<pg.Client>;
  /** A pg client connected as the application role. */
  app(): Promise<pg.Client>;
  /** One statement as the owner, on a connection of its own: the rows. */
  sql(q: string, params?: unknown[]): Promise<pg.QueryResultRow[]>;
  keyFile: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, db: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

export async function createTestDatabase(label: string, opts: { migrate?: boolean } = {}): Promise<TTestDatabase> {
  const name = `custos_t_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const ownerUrl = withDatabase(ADMIN_URL, name);
  const appUrl = withDatabase(ADMIN_URL, name, 'custos_app');
  if (opts.migrate !== false) {
    const c = new pg.Client({ connectionString: ownerUrl });
    await c.connect();
    try {
      await migrate(c);
    } finally {
      await c.end();
    }
  }
  process.env.DATABASE_URL = ownerUrl;
  process.env.APP_DATABASE_URL = appUrl;
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'custos-key-')), 'audit-signing-key.pem');
  process.env.CUSTOS_SIGNING_KEY_FILE = keyFile;
  process.env.CUSTOS_SECRETS_KEY_FILE = path.join(path.dirname(keyFile), 'secrets.key');
  const db = createDb(appUrl);
  const clients: pg.Client[] = [];
  const connect = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  };
  return {
    name,
    ownerUrl,
    appUrl,
    db,
    keyFile,
    owner: () => connect(ownerUrl),
    app: () => connect(appUrl),
    async sql(q: string, params: unknown[] = []) {
      const c = new pg.Client({ connectionString: ownerUrl });
      await c.connect();
      try {
        return (await c.query(q, params)).rows;
      } finally {
        await c.end();
      }
    },
    async drop() {
      await db.$disconnect();
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
