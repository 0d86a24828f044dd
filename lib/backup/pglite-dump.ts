import type { PGlite } from '@electric-sql/pglite';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

// The embedded database's own dump, `custos_copy_v1`. PGlite is PostgreSQL 18 compiled to
// WebAssembly: the system pg_dump (a server-major match is required) cannot read it, and
// @electric-sql/pglite-tools' pg_dump pins a different PGlite release than Custos runs and builds
// the whole dump in memory, as does PGlite's dumpDataDir(). So Custos streams the data itself,
// inside the one snapshot of the backup transaction: every table of the public schema with
// COPY ... TO STDOUT (text format, which round-trips every type exactly), cut at row ends into
// blocks of about 1 MiB, and every sequence's position. The schema is not in the dump: it is the
// migrations named in the manifest, and a restore refuses a Custos whose migrations differ.
//
//   frame  = kind u8 | JSON length u32 BE | JSON
//   'T'    = {"table","parent","columns"} followed by blocks: length u32 BE | COPY text rows; a 0 length ends the table
//   'S'    = [{"name","last_value","is_called"}]
//   'E'    = {"tables": n}  (the end: a dump without it is incomplete)
// Persisted inside backups: changing it needs a new dump_format name.

export const BLOCK_SIZE = 1 << 20;

interface TTableInfo {
  table: string;
  parent: string | null;
  columns: string[];
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

function frame(kind: 'T' | 'S' | 'E', json: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(json), 'utf8');
  const head = Buffer.alloc(5);
  head.write(kind, 0, 'latin1');
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** Leaf tables of the public schema (partitions by their own names), and their stored columns. */
export async function listTables(client: pg.ClientBase): Promise<TTableInfo[]> {
  const r = await client.query<{ table: string; parent: string | null; columns: string[] }>(`
    SELECT c.relname AS table,
      (SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE i.inhrelid = c.oid LIMIT 1) AS parent,
      array(SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
            ORDER BY a.attnum) AS columns
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r'
    ORDER BY c.relname`);
  return r.rows;
}

/**
 * Streams the dump of the database `client` is connected to. The caller holds the snapshot: a
 * REPEATABLE READ transaction open on `client` for the whole dump.
 */
export async function* dumpPglite(client: pg.ClientBase): AsyncGenerator<Buffer> {
  const tables = await listTables(client);
  for (const t of tables) {
    yield frame('T', t);
    const stream = client.query(copyTo(`COPY ${q(t.table)} (${t.columns.map(q).join(', ')}) TO STDOUT`));
    let parts: Buffer[] = [];
    let len = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      len += chunk.length;
      if (len >= BLOCK_SIZE) {
        const all = Buffer.concat(parts, len);
        const cut = all.lastIndexOf(0x0a) + 1; // text COPY escapes newlines inside values: a raw \n ends a row
        if (cut > 0) {
          yield u32(cut);
          yield all.subarray(0, cut);
          parts = [all.subarray(cut)];
          len = all.length - cut;
        } else {
          parts = [all];
        }
      }
    }
    if (len > 0) {
      yield u32(len);
      yield Buffer.concat(parts, len);
    }
    yield u32(0);
  }
  const seqs = await client.query<{ name: string }>(
    "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'S' ORDER BY 1",
  );
  const positions = [];
  for (const s of seqs.rows) {
    const r = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${q(s.name)}`);
    positions.push({ name: s.name, last_value: r.rows[0].last_value, is_called: r.rows[0].is_called });
  }
  yield frame('S', positions);
  yield frame('E', { tables: tables.length });
}

/** Reads exactly n bytes from an async byte source, across chunk boundaries. */
class ByteReader {
  private buf: Buffer = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}
  async read(n: number): Promise<Buffer | null> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = this.buf.length ? Buffer.concat([this.buf, r.value]) : r.value;
    }
    if (this.buf.length < n) return null;
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
}

export class DumpFormatError extends Error {}

/**
 * Loads a `custos_copy_v1` dump into a freshly migrated PGlite (as its superuser). The rows the
 * migrations seeded are replaced by the dump's; triggers are off while loading (as pg_restore
 * does), so the append-only and derived-row triggers neither refuse nor duplicate restored rows,
 * and are put back exactly as they were. All in one transaction: a failure leaves nothing.
 */
export async function loadPglite(db: PGlite, source: AsyncIterable<Buffer>): Promise<{ tables: number }> {
  const reader = new ByteReader(source[Symbol.asyncIterator]());
  const existing = new Set((await db.query<{ relname: string }>("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind IN ('r', 'p')")).rows.map((r) => r.relname));
  const triggers = (
    await db.query<{ table: string; name: string; enabled: string }>(`
      SELECT c.relname AS table, t.tgname AS name, t.tgenabled AS enabled FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND NOT t.tgisinternal`)
  ).rows;
  const tablesWithTriggers = [...new Set(triggers.map((t) => t.table))];
  await db.exec('BEGIN');
  try {
    await db.exec('SET LOCAL session_replication_role = replica');
    for (const t of tablesWithTriggers) await db.exec(`ALTER TABLE ${q(t)} DISABLE TRIGGER USER`);
    const seeded = (await db.query<{ relname: string }>("SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND relkind = 'r' AND relname <> '_prisma_migrations'")).rows;
    for (const s of seeded) await db.exec(`DELETE FROM ${q(s.relname)}`);
    let tables = 0;
    for (;;) {
      const head = await reader.read(5);
      if (!head) throw new DumpFormatError('the dump ends before its end frame: incomplete');
      const kind = head.toString('latin1', 0, 1);
      const body = await reader.read(head.readUInt32BE(1));
      if (!body) throw new DumpFormatError('the dump ends inside a frame: incomplete');
      const json = JSON.parse(body.toString('utf8')) as unknown;
      if (kind === 'E') {
        if ((json as { tables: number }).tables !== tables) throw new DumpFormatError(`the dump announces ${(json as { tables: number }).tables} tables, ${tables} were read`);
        break;
      }
      if (kind === 'S') {
        for (const s of json as Array<{ name: string; last_value: string; is_called: boolean }>) {
          await db.query('SELECT setval($1::regclass, $2::bigint, $3)', [q(s.name), s.last_value, s.is_called]);
        }
        continue;
      }
      if (kind !== 'T') throw new DumpFormatError(`unknown frame ${JSON.stringify(kind)} in the dump`);
      const t = json as TTableInfo;
      tables++;
      // The migrations decide the schema; the migration runner keeps its own table.
      const skip = t.table === '_prisma_migrations';
      const target = existing.has(t.table) ? t.table : t.parent && existing.has(t.parent) ? t.parent : null;
      if (!skip && !target) throw new DumpFormatError(`the dump has table ${t.table}, which this schema does not`);
      for (;;) {
        const lenBuf = await reader.read(4);
        if (!lenBuf) throw new DumpFormatError(`the dump ends inside table ${t.table}: incomplete`);
        const len = lenBuf.readUInt32BE(0);
        if (len === 0) break;
        const block = await reader.read(len);
        if (!block) throw new DumpFormatError(`the dump ends inside table ${t.table}: incomplete`);
        if (skip) continue;
        await db.query(`COPY ${q(target!)} (${t.columns.map(q).join(', ')}) FROM '/dev/blob'`, [], { blob: new Blob([new Uint8Array(block)]) });
      }
    }
    if (await reader.read(1)) throw new DumpFormatError('data after the end of the dump');
    for (const tr of triggers) {
      const how = tr.enabled === 'A' ? 'ENABLE ALWAYS' : tr.enabled === 'R' ? 'ENABLE REPLICA' : tr.enabled === 'D' ? 'DISABLE' : 'ENABLE';
      await db.exec(`ALTER TABLE ${q(tr.table)} ${how} TRIGGER ${q(tr.name)}`);
    }
    await db.exec('COMMIT');
    return { tables };
  } catch (e) {
    await db.exec('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
