import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { CopyBinaryParser, copyOutBinary, type TCopyRowVisitor } from '@/lib/db/copy-binary';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// copyOutBinary reads PostgreSQL's wire protocol itself (verifyChain streams the audit chain
// through it): it must hand over exactly the stored bytes, and leave the connection usable
// whatever happens mid-stream.

let t: TTestDatabase;
let c: pg.Client;

beforeAll(async () => {
  t = await createTestDatabase('copyout', { migrate: false });
  c = await t.owner();
  await c.query(`CREATE TABLE probe (id int PRIMARY KEY, t text, b bytea)`);
  // NULLs, empty values, multi-byte text, and values far larger than a socket read (64 KiB).
  await c.query(`
    INSERT INTO probe
    SELECT x,
      CASE WHEN x % 7 = 0 THEN NULL WHEN x % 11 = 0 THEN '' ELSE repeat('naïve ✓ ' || x, 1 + (x % 13)) END,
      CASE WHEN x % 5 = 0 THEN NULL ELSE decode(md5(x::text), 'hex') END
    FROM generate_series(1, 5000) x`);
  await c.query(`INSERT INTO probe VALUES (5001, repeat('€', 300000), decode(repeat('ab', 200000), 'hex'))`);
});
afterAll(async () => {
  await t?.drop();
});

const COPY = 'COPY (SELECT id, t, b FROM probe ORDER BY id) TO STDOUT WITH (FORMAT binary)';

function collect(into: Array<Array<string | null>>): TCopyRowVisitor {
  return (buf, start, len, n) => {
    const row: Array<string | null> = [];
    for (let i = 0; i < n; i++) row.push(len[i] < 0 ? null : buf.subarray(start[i], start[i] + len[i]).toString('hex'));
    into.push(row);
  };
}

async function expectUsable() {
  expect((await c.query('SELECT 41 + 1 AS x')).rows).toEqual([{ x: 42 }]);
}

describe('copyOutBinary', () => {
  it('[11.10(b)] hands over the same bytes as pg-copy-streams, NULLs and large values included', async () => {
    const fused: Array<Array<string | null>> = [];
    const n = await copyOutBinary(c, COPY, collect(fused));
    const reference: Array<Array<string | null>> = [];
    await pipeline(
      c.query(copyTo(COPY)),
      new CopyBinaryParser(),
      new Writable({
        objectMode: true,
        write(rows: Array<Array<Buffer | null>>, _enc, done) {
          for (const r of rows) reference.push(r.map((f) => (f === null ? null : f.toString('hex'))));
          done();
        },
      }),
    );
    expect(n).toBe(5001);
    expect(reference.length).toBe(5001);
    expect(fused).toEqual(reference);
    expect(fused[6][1]).toBeNull(); // id 7
    expect(Buffer.from(fused[5000][1]!, 'hex').toString('utf8')).toBe('€'.repeat(300000));
    await expectUsable();
  });

  it('[11.10(b)] delivers the same rows when the socket splits messages and headers anywhere', async () => {
    const whole: Array<Array<string | null>> = [];
    await copyOutBinary(c, COPY, collect(whole));
    // Re-deliver every socket read as pieces of 1, 2, 3, 5, 7, 11 and 4096 bytes: message
    // headers, length words and rows all end up split across reads.
    const stream = (c as unknown as { connection: { stream: NodeJS.EventEmitter } }).connection.stream;
    const emit = stream.emit;
    const sizes = [1, 2, 3, 5, 7, 11, 4096];
    let k = 0;
    stream.emit = function (this: NodeJS.EventEmitter, event: string | symbol, ...args: unknown[]) {
      if (event !== 'data') return emit.call(this, event, ...args);
      const buf = args[0] as Buffer;
      for (let off = 0; off < buf.length; ) {
        const n = sizes[k++ % sizes.length];
        emit.call(this, 'data', buf.subarray(off, off + n));
        off += n;
      }
      return true;
    };
    try {
      const pieces: Array<Array<string | null>> = [];
      expect(await copyOutBinary(c, COPY, collect(pieces))).toBe(5001);
      expect(pieces).toEqual(whole);
      await expect(copyOutBinary(c, 'COPY (SELECT * FROM no_such_table) TO STDOUT WITH (FORMAT binary)', () => {})).rejects.toMatchObject({
        code: '42P01',
      });
      await expectUsable();
    } finally {
      stream.emit = emit;
    }
    expect(k).toBeGreaterThan(1000);
  });

  it('rejects with the server error when the statement fails, and the client stays usable', async () => {
    await expect(copyOutBinary(c, 'COPY (SELECT * FROM no_such_table) TO STDOUT WITH (FORMAT binary)', () => {})).rejects.toMatchObject({
      code: '42P01',
    });
    await expectUsable();
  });

  it('rejects with the server error when it fails mid-stream, after rows were delivered', async () => {
    let seen = 0;
    const run = copyOutBinary(
      c,
      'COPY (SELECT x, 1 / (x - 3000) FROM generate_series(1, 5000) x) TO STDOUT WITH (FORMAT binary)',
      () => {
        seen += 1;
      },
    );
    await expect(run).rejects.toMatchObject({ code: '22012' });
    expect(seen).toBeGreaterThan(0);
    expect(seen).toBeLessThan(3000);
    await expectUsable();
  });

  it('rejects with the visitor’s error only after draining the COPY, and the client stays usable', async () => {
    let calls = 0;
    const run = copyOutBinary(c, COPY, () => {
      calls += 1;
      if (calls === 10) throw new Error('visitor refused row 10');
    });
    await expect(run).rejects.toThrow('visitor refused row 10');
    expect(calls).toBe(10);
    await expectUsable();
  });

  it('skips notices interleaved with the rows', async () => {
    await c.query(`CREATE FUNCTION pg_temp.noisy(x int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN RAISE NOTICE 'row %', x; RETURN x; END $$`);
    const rows: Array<Array<string | null>> = [];
    const n = await copyOutBinary(c, 'COPY (SELECT pg_temp.noisy(x) FROM generate_series(1, 300) x) TO STDOUT WITH (FORMAT binary)', collect(rows));
    expect(n).toBe(300);
    expect(rows[299]).toEqual([(300).toString(16).padStart(8, '0')]);
    await expectUsable();
  });

  it('refuses a statement that is not COPY TO, and the client stays usable', async () => {
    await expect(copyOutBinary(c, 'SELECT 1', () => {})).rejects.toThrow(/not COPY data/);
    await expectUsable();
  });
});
