import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { drainMigrationAudit } from '@/lib/db/migration-audit';

// Applies prisma/migrations/<timestamp>_<name>/migration.sql in order and records each in
// Prisma's _prisma_migrations table (same columns, sha256 checksum of the file), so a machine
// that has Prisma's schema engine can run `prisma migrate deploy` against the same database.

export const MIGRATIONS_DIR = path.resolve(process.cwd(), 'prisma/migrations');
// Prisma Migrate's own advisory lock id, so our runner and Prisma never apply concurrently.
const MIGRATION_LOCK_ID = 72707369;

export interface TMigrationFile {
  name: string;
  file: string;
  sql: string;
  checksum: string;
}

export interface TMigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<TMigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && /^\d{14}_[a-z0-9_]+$/.test(e.name))
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const bytes = await readFile(file);
      return {
        name,
        file,
        sql: bytes.toString('utf8'),
        checksum: createHash('sha256').update(bytes).digest('hex'),
      };
    }),
  );
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id"                  VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum"            VARCHAR(64) NOT NULL,
  "finished_at"         TIMESTAMPTZ,
  "migration_name"      VARCHAR(255) NOT NULL,
  "logs"                TEXT,
  "rolled_back_at"      TIMESTAMPTZ,
  "started_at"          TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface TAppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Runs on a client connected as the role that owns the schema. */
export async function migrate(client: pg.ClientBase, dir = MIGRATIONS_DIR): Promise<TMigrateResult> {
  const files = await readMigrations(dir);
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
  try {
    // Under the lock: two runners issuing CREATE TABLE IF NOT EXISTS at once on a fresh database
    // collide on the catalog (duplicate key in pg_type) instead of one of them skipping it.
    await client.query(CREATE_TABLE);
    const { rows } = await client.query<TAppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    const applied = new Map(rows.map((r) => [r.migration_name, r]));
    const known = new Set(files.map((f) => f.name));
    for (const row of rows) {
      if (!known.has(row.migration_name)) {
        throw new MigrationError(
          `migration ${row.migration_name} is recorded in the database but its folder is missing from prisma/migrations`,
        );
      }
    }
    const result: TMigrateResult = { applied: [], alreadyApplied: [] };
    for (const m of files) {
      const row = applied.get(m.name);
      if (row) {
        if (!row.finished_at) {
          throw new MigrationError(`migration ${m.name} started earlier but never finished; resolve it by hand before migrating`);
        }
        if (row.checksum !== m.checksum) {
          throw new MigrationError(
            `migration ${m.name} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ` +
              `${m.checksum.slice(0, 12)}… in ${path.relative(process.cwd(), m.file)}); add a new migration instead of editing an applied one`,
          );
        }
        result.alreadyApplied.push(m.name);
        continue;
      }
      await applyOne(client, m);
      result.applied.push(m.name);
    }
    if (result.applied.length) await drainMigrationAudit(client);
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
  }
}

async function applyOne(client: pg.ClientBase, m: TMigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query('BEGIN');
  try {
    await client.query(
      'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())',
      [id, m.checksum, m.name],
    );
    try {
      await client.query(m.sql);
    } catch (e) {
      throw new MigrationError(describeFailure(m, e));
    }
    await client.query(
      'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
      [id],
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

/** Names the file, the line and the statement that failed, from the server's error position. */
export function describeFailure(m: TMigrationFile, e: unknown): string {
  const err = e as { message?: string; position?: string };
  const rel = path.relative(process.cwd(), m.file);
  const pos = err.position ? Number(err.position) - 1 : -1;
  if (pos < 0 || Number.isNaN(pos)) return `${rel}: ${err.message ?? String(e)} (rolled back)`;
  const line = m.sql.slice(0, pos).split('\n').length;
  // Comments may contain ';' too: blank them (same length, so `pos` still holds) before looking
  // for the statement's bounds, or a comment's tail is reported as part of the statement.
  const code = m.sql.replace(/--[^\n]*/g, (c) => ' '.repeat(c.length));
  const start = code.lastIndexOf(';', pos - 1) + 1;
  const endIdx = code.indexOf(';', pos);
  const statement = code
    .slice(start, endIdx === -1 ? undefined : endIdx + 1)
    .replace(/\s+/g, ' ')
    .trim();
  return `${rel}:${line}: ${err.message} (rolled back)\n  statement: ${statement.slice(0, 300)}`;
}
