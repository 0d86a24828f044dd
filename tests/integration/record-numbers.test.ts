import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '@/lib/db/migrate';
import { getPgPool } from '@/lib/db/pg-pool';
import { createRecord } from '@/lib/records/create-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// Record numbers count per kind; numbers given before the per-kind counters stay as they are
// and each kind continues after its highest one.

const PER_KIND = '20261204150000_record_numbers_per_kind';
let t: TTestDatabase;
let dir: string;

beforeAll(async () => {
  t = await createTestDatabase('record_numbers', { migrate: false });
  // The database as it was before the per-kind counters, with records numbered by one counter.
  dir = mkdtempSync(path.join(tmpdir(), 'custos-migrations-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true });
  rmSync(path.join(dir, PER_KIND), { recursive: true });
  const c = new pg.Client({ connectionString: t.ownerUrl });
  await c.connect();
  try {
    await migrate(c, dir);
    await c.query(
      `INSERT INTO records (number, kind, title, status, current_version, created_by)
       VALUES ('BR-000001', 'batch_record', 'old 1', 'draft', 1, 'E0'), ('DEV-000002', 'deviation', 'old 2', 'draft', 1, 'E0'),
              ('BR-000003', 'batch_record', 'old 3', 'draft', 1, 'E0'), ('EXC-000004', 'excursion', 'old 4', 'in_review', 1, 'system')`,
    );
    await migrate(c);
  } finally {
    await c.end();
  }
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await getPgPool().end();
  await t?.drop();
});

describe('record numbers', () => {
  it('[Annex 11 §4.8] count per kind (BR-, DEV-, DOC-), continuing after the numbers that existed; existing numbers stay', async () => {
    const author = await sessionUser(t.db, await makeUser(t.db, { roles: ['Operator'] }));
    const batch = (title: string) =>
      createRecord(t.db, author, {
        kind: 'batch_record',
        content: { title, product: 'P', batchNumber: 'B-1', quantity: 1, unit: 'kg', manufacturedOn: '2026-12-01', notes: '' },
      });
    const deviation = () =>
      createRecord(t.db, author, { kind: 'deviation', content: { title: 'Dev', description: 'D', severity: 'minor', detectedOn: '2026-12-01', area: 'A' } });
    const document = () => createRecord(t.db, author, { kind: 'document', content: { title: 'SOP', documentNumber: 'SOP-1', revision: 'A', body: 'Text' } });

    expect((await batch('new 1')).number).toBe('BR-000004');
    expect((await deviation()).number).toBe('DEV-000003');
    expect((await document()).number).toBe('DOC-000001');
    expect((await batch('new 2')).number).toBe('BR-000005');
    expect((await document()).number).toBe('DOC-000002');

    const c = await t.owner();
    const { rows } = await c.query<{ number: string }>(`SELECT number FROM records WHERE title LIKE 'old %' ORDER BY title`);
    expect(rows.map((r) => r.number)).toEqual(['BR-000001', 'DEV-000002', 'BR-000003', 'EXC-000004']);
    // Excursions (opened by ingestion) take the same function: the next one is EXC-000005.
    const app = await t.app();
    const { rows: n } = await app.query<{ n: string }>(`SELECT custos_next_record_number('excursion')::text AS n`);
    expect(n[0].n).toBe('5');
    await expect(app.query(`SELECT custos_next_record_number('nonsense')`)).rejects.toThrow(/no record number counter/);
  });
});
