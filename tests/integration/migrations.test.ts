import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { ALERT_KINDS } from '@/lib/alerts/alert-kinds';
import { MIGRATIONS_DIR, MigrationError, migrate } from '@/lib/db/migrate';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { diffSchema, expectedColumns, readDatamodel, type TActualColumn } from '@/tests/helpers/prisma-dmmf';

// 11.10(a) validation: the database is built only by the reviewed SQL in prisma/migrations, each
// file applied once, exactly as written, recorded where Prisma Migrate looks for it.

let t: TTestDatabase;
const tempDirs: string[] = [];

beforeAll(async () => {
  t = await createTestDatabase('migrations');
});
afterAll(async () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  await t?.drop();
});

/** Migration folders on disk, read independently of lib/db/migrate.ts. */
async function migrationsOnDisk(): Promise<Array<{ name: string; checksum: string }>> {
  const entries = await readdir(MIGRATIONS_DIR, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      checksum: createHash('sha256').update(await readFile(path.join(MIGRATIONS_DIR, name, 'migration.sql'))).digest('hex'),
    })),
  );
}

function copyOfMigrations(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'custos-migrations-'));
  tempDirs.push(dir);
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function withOwner<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = await t.owner();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function recorded(c: pg.Client) {
  const { rows } = await c.query(
    'SELECT id, checksum, migration_name, started_at, finished_at, rolled_back_at, logs, applied_steps_count FROM _prisma_migrations ORDER BY migration_name',
  );
  return rows;
}

describe('migrations', () => {
  it('[11.10(a)] re-running migrate on a migrated database changes nothing', async () => {
    const onDisk = await migrationsOnDisk();
    expect(onDisk.length).toBeGreaterThan(0);
    await withOwner(async (c) => {
      const before = await recorded(c);
      const r = await migrate(c);
      expect(r).toEqual({ applied: [], alreadyApplied: onDisk.map((m) => m.name) });
      expect(await recorded(c)).toEqual(before);
    });
  });

  it("[11.10(a)] each applied migration is recorded in Prisma's _prisma_migrations format with the file's sha256", async () => {
    const onDisk = await migrationsOnDisk();
    await withOwner(async (c) => {
      // Prisma Migrate's own table definition (schema engine, PostgreSQL connector).
      const cols = await c.query(
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '_prisma_migrations' ORDER BY ordinal_position`,
      );
      expect(cols.rows).toEqual([
        { column_name: 'id', data_type: 'character varying', character_maximum_length: 36, is_nullable: 'NO', column_default: null },
        { column_name: 'checksum', data_type: 'character varying', character_maximum_length: 64, is_nullable: 'NO', column_default: null },
        { column_name: 'finished_at', data_type: 'timestamp with time zone', character_maximum_length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'migration_name', data_type: 'character varying', character_maximum_length: 255, is_nullable: 'NO', column_default: null },
        { column_name: 'logs', data_type: 'text', character_maximum_length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'rolled_back_at', data_type: 'timestamp with time zone', character_maximum_length: null, is_nullable: 'YES', column_default: null },
        { column_name: 'started_at', data_type: 'timestamp with time zone', character_maximum_length: null, is_nullable: 'NO', column_default: 'now()' },
        { column_name: 'applied_steps_count', data_type: 'integer', character_maximum_length: null, is_nullable: 'NO', column_default: '0' },
      ]);
      const pk = await c.query(
        `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
         WHERE i.indrelid = '_prisma_migrations'::regclass AND i.indisprimary`,
      );
      expect(pk.rows).toEqual([{ attname: 'id' }]);

      const rows = await recorded(c);
      expect(rows.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
      for (const [i, r] of rows.entries()) {
        expect(r.checksum, r.migration_name).toBe(onDisk[i].checksum);
        expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
        expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(r.finished_at).toBeInstanceOf(Date);
        expect(r.finished_at.getTime()).toBeGreaterThanOrEqual(r.started_at.getTime());
        expect(r.rolled_back_at).toBeNull();
        expect(r.applied_steps_count).toBe(1);
      }
    });
  });

  it('[11.10(a)] an applied migration that was edited afterwards is refused, naming it', async () => {
    const onDisk = await migrationsOnDisk();
    await withOwner(async (c) => {
      const before = await recorded(c);
      for (const { name } of onDisk) {
        const dir = copyOfMigrations();
        await appendFile(path.join(dir, name, 'migration.sql'), '\n-- an innocent-looking edit\n');
        const run = migrate(c, dir);
        await expect(run).rejects.toBeInstanceOf(MigrationError);
        await expect(run).rejects.toThrow(new RegExp(`migration ${name} was changed after it was applied`));
      }
      expect(await recorded(c)).toEqual(before);
    });
  });

  it('[11.10(a)] a failing new migration is rolled back entirely and the error names the file and statement', async () => {
    const dir = copyOfMigrations();
    const broken = '29990101000000_broken';
    await mkdir(path.join(dir, broken));
    await writeFile(
      path.join(dir, broken, 'migration.sql'),
      [
        '-- Probe: the first statement succeeds; the second fails after the table exists.',
        'CREATE TABLE broken_probe (id integer PRIMARY KEY);',
        '',
        "-- Not a number; the literal's type check fails while the statement is analysed.",
        "INSERT INTO broken_probe (id) VALUES ('not a number');",
        '',
      ].join('\n'),
    );
    await withOwner(async (c) => {
      const before = await recorded(c);
      let err: unknown;
      try {
        await migrate(c, dir);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MigrationError);
      const message = (err as Error).message;
      expect(message).toContain(`${broken}/migration.sql:5:`);
      expect(message).toContain('invalid input syntax for type integer');
      expect(message).toContain("statement: INSERT INTO broken_probe (id) VALUES ('not a number');");
      expect(message).toContain('rolled back');

      const probe = await c.query("SELECT to_regclass('public.broken_probe') AS t");
      expect(probe.rows[0].t).toBeNull();
      expect(await recorded(c)).toEqual(before);
      // The runner's advisory lock was released and the session is usable: a normal run works.
      const onDisk = await migrationsOnDisk();
      expect(await migrate(c)).toEqual({ applied: [], alreadyApplied: onDisk.map((m) => m.name) });
    });
  });

  it('[11.10(a)] two runners migrating one fresh database at once apply each migration exactly once', async () => {
    const fresh = await createTestDatabase('migrations_race', { migrate: false });
    try {
      const [a, b] = [await fresh.owner(), await fresh.owner()];
      const [ra, rb] = await Promise.all([migrate(a), migrate(b)]);
      const names = (await migrationsOnDisk()).map((m) => m.name);
      expect([...ra.applied, ...rb.applied]).toEqual(names);
      expect([...ra.alreadyApplied, ...rb.alreadyApplied]).toEqual(names);
      const { rows } = await a.query('SELECT migration_name FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.map((r) => r.migration_name)).toEqual(names);
    } finally {
      await fresh.drop();
    }
  });

  it('[11.10(a)] the security_alerts kind constraint allows exactly the kinds of lib/alerts/alert-kinds.ts', async () => {
    const c = await t.owner();
    const { rows } = await c.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'security_alerts_kind_check'`);
    await c.end();
    const allowed = [...rows[0].def.matchAll(/'([a-z_]+)'::text/g)].map((m) => m[1]).sort();
    expect(allowed).toEqual(Object.keys(ALERT_KINDS).sort());
  });

  it('[11.10(a)] schema.prisma and the migrated database agree', async () => {
    const dm = readDatamodel(await readFile(path.resolve('prisma/schema.prisma'), 'utf8'));
    const expected = expectedColumns(dm);
    // The parser saw the models (a mapping that yields nothing would make this test vacuous).
    expect(expected).toContainEqual(
      expect.objectContaining({ table: 'audit_events', column: 'prev_hash', dataType: 'bytea', nullable: false }),
    );
    const { columns, tables } = await withOwner((c) => readCatalog(c));
    expect(diffSchema(dm, columns, tables)).toEqual([]);
  });

  it('[11.10(a)] the drift check reports a missing table, a missing column, a wrong type and a wrong nullability', async () => {
    const dm = readDatamodel(await readFile(path.resolve('prisma/schema.prisma'), 'utf8'));
    const { columns, tables } = await withOwner((c) => readCatalog(c));
    const events = dm.models.find((m) => m.dbName === 'audit_events')!;
    const field = (name: string) => events.fields.find((f) => f.name === name)!;
    field('seq').type = 'Int'; // bigint in the database
    field('actorName').isRequired = true; // nullable in the database
    field('occurredAt').nativeType = ['Timestamptz', ['3']]; // timestamptz(6) in the database
    events.fields.push({ name: 'ghost', kind: 'scalar', isList: false, isRequired: false, type: 'String' });
    dm.models.push({ name: 'Phantom', dbName: 'phantom_table', fields: [] });
    // A NOT NULL column without default that the schema does not know: Prisma inserts would fail.
    const checkpoints = dm.models.find((m) => m.dbName === 'audit_checkpoints')!;
    checkpoints.fields = checkpoints.fields.filter((f) => f.name !== 'payload');

    expect(diffSchema(dm, columns, tables).sort()).toEqual(
      [
        'column audit_checkpoints.payload is NOT NULL without a default and missing from schema.prisma: Prisma cannot insert into audit_checkpoints',
        'column audit_events.actor_name (AuditEvent.actorName) is nullable, schema.prisma says required',
        'column audit_events.ghost (AuditEvent.ghost) does not exist',
        'column audit_events.occurred_at (AuditEvent.occurredAt) has precision 6, schema.prisma expects 3',
        'column audit_events.seq (AuditEvent.seq) is bigint (int8), schema.prisma expects integer',
        'table public.phantom_table (model Phantom) does not exist',
      ].sort(),
    );
  });
});

async function readCatalog(c: pg.Client): Promise<{ columns: TActualColumn[]; tables: Set<string> }> {
  const cols = await c.query<TActualColumn>(
    `SELECT table_schema, table_name, column_name, data_type, udt_name, is_nullable,
            datetime_precision::int AS datetime_precision, character_maximum_length::int AS character_maximum_length,
            column_default, is_identity, is_generated
     FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  const tabs = await c.query<{ k: string }>(
    `SELECT table_schema || '.' || table_name AS k FROM information_schema.tables
     WHERE table_schema NOT IN ('pg_catalog', 'information_schema')`,
  );
  return { columns: cols.rows, tables: new Set(tabs.rows.map((r) => r.k)) };
}
