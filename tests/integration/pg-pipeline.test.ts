import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Pipeline } from '@/lib/db/pg-pipeline';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// A telemetry batch's statements are pipelined (lib/db/pg-pipeline.ts): sent together, answered
// in order. What must hold is what holds when each statement is awaited: a failure anywhere
// commits nothing, the failure reported is the statement's own (not "transaction aborted"), and
// a COMMIT behind a failure is never taken for a commit.

let t: TTestDatabase;

beforeAll(async () => {
  t = await createTestDatabase('pipeline', { migrate: false });
  const c = await t.owner();
  await c.query(`CREATE TABLE probe (id int PRIMARY KEY, v text NOT NULL)`);
  await c.end();
});
afterAll(async () => {
  await t?.drop();
});

async function withClient<T>(pipeline: boolean, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: t.ownerUrl, pipeline });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const count = async () => Number((await t.sql('SELECT count(*)::int AS n FROM probe'))[0].n);

describe.each([
  ['pipelined', true],
  ['one at a time', false],
])('a transaction on a %s connection', (_name, pipelined) => {
  it('[11.10(e)] commits every statement sent before COMMIT, with each answer in its order', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      const pl = new Pipeline(c);
      expect(pl.pipelined).toBe(pipelined);
      pl.send('BEGIN; SET LOCAL statement_timeout = 60000');
      const a = pl.send<{ id: number }>(`INSERT INTO probe VALUES (1, 'a') RETURNING id`);
      const b = pl.send<{ id: number }>(`INSERT INTO probe VALUES ($1, $2) RETURNING id`, [2, 'b']);
      // A statement sent after another sees what that one wrote (each has its own snapshot, in order).
      const seen = pl.send<{ n: number }>(`SELECT count(*)::int AS n FROM probe`);
      await pl.commit();
      expect([(await a).rows[0].id, (await b).rows[0].id, (await seen).rows[0].n]).toEqual([1, 2, 2]);
    });
    expect(await count()).toBe(2);
  });

  it('[11.10(e)] a failed statement commits nothing: the barrier reports that statement, and COMMIT is refused', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      const pl = new Pipeline(c);
      pl.send('BEGIN');
      pl.send(`INSERT INTO probe VALUES (1, 'a')`);
      pl.send(`INSERT INTO probe VALUES (2, NULL)`); // not null violation
      pl.send(`INSERT INTO probe VALUES (3, 'c')`);
      const err = await pl.commit().then(
        () => null,
        (e: { code?: string }) => e,
      );
      // The first failure in the order sent: the NOT NULL violation, not 25P02 behind it.
      expect(err?.code).toBe('23502');
      await pl.settle();
      await c.query('ROLLBACK');
      // The connection is usable again.
      expect((await c.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    });
    expect(await count()).toBe(0);
  });

  it('[11.10(e)] a COMMIT the server answers with ROLLBACK is an error, never a commit', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      await c.query('BEGIN');
      await c.query(`INSERT INTO probe VALUES (1, 'a')`);
      await c.query('SELECT 1/0').catch(() => undefined);
      // The transaction is aborted; a pipeline that only sends COMMIT must still refuse to call it done.
      const pl = new Pipeline(c);
      await expect(pl.commit()).rejects.toThrow(/not committed \(the server answered ROLLBACK\)/);
    });
    expect(await count()).toBe(0);
  });

  it('[11.10(e)] a statement with parameters is prepared once per connection and gives the same answers', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      const prepared = async () => (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO probe%'`)).rows[0].n;
      for (let i = 1; i <= 3; i++) {
        const pl = new Pipeline(c);
        pl.send('BEGIN');
        const r = pl.send<{ id: number; v: string }>(`INSERT INTO probe VALUES ($1, $2) RETURNING id, v`, [i, `v${i}`]);
        await pl.commit();
        expect((await r).rows[0]).toEqual({ id: i, v: `v${i}` });
        expect(await prepared()).toBe(1);
      }
    });
    expect(await count()).toBe(3);
  });

  it('[11.10(e)] a prepared statement refused in an aborted transaction is prepared again in the next one', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      const pl = new Pipeline(c);
      pl.send('BEGIN');
      pl.send(`SELECT 1/0`);
      // Sent behind the failure: PostgreSQL refuses its Parse too (25P02).
      pl.send(`INSERT INTO probe VALUES ($1, $2)`, [1, 'lost']);
      await expect(pl.commit()).rejects.toMatchObject({ code: '22012' });
      await pl.settle();
      await c.query('ROLLBACK');
      const again = new Pipeline(c);
      again.send('BEGIN');
      again.send(`INSERT INTO probe VALUES ($1, $2)`, [2, 'kept']);
      await again.commit();
    });
    expect(await t.sql('SELECT id, v FROM probe')).toEqual([{ id: 2, v: 'kept' }]);
  });

  it('[11.10(e)] statements whose text varies are prepared only up to a bound, and then still run', async () => {
    await t.sql('TRUNCATE probe');
    await withClient(pipelined, async (c) => {
      const pl = new Pipeline(c);
      pl.send('BEGIN');
      for (let i = 1; i <= 100; i++) pl.send(`INSERT INTO probe VALUES ($1, $2) /* ${i} */`, [i, 'x']);
      await pl.commit();
      const n = (await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements`)).rows[0].n;
      expect(n).toBe(64);
    });
    expect(await count()).toBe(100);
  });
});
