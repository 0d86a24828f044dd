import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { appendAudit } from '@/lib/audit/append-audit';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { loadOrCreateServerKey } from '@/lib/audit/server-key';
import { verifyChain } from '@/lib/audit/verify-chain';
import { APP_ROLE } from '@/lib/config/database-url';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

// 21 CFR 11.10(e): audit rows are never changed or removed, by anyone, through any path. The
// app role lacks the privileges; the table owner and even a superuser meet the triggers.

const CHAIN = 'triggers';
const APPEND_ONLY = ['audit_events', 'audit_checkpoints'] as const;
/** Derived from the events by the database itself (migration 20261122060000_audit_time_order). */
const DERIVED = ['audit_reason_words', 'audit_chain_time_order'] as const;
const REFUSAL = '21 CFR 11.10(e)';

let t: TTestDatabase;
let fingerprint: string;

beforeAll(async () => {
  t = await createTestDatabase('triggers');
  await t.db.$transaction((tx) =>
    appendAudit(
      tx,
      Array.from({ length: 5 }, (_, i) => ({
        actor: SYSTEM_CLI,
        action: 'test.append',
        entityType: 'Test',
        entityId: String(i),
        newValue: { i },
      })),
      { chainId: CHAIN },
    ),
  );
  await createCheckpoint(t.db, { chainId: CHAIN, key: loadOrCreateServerKey(t.keyFile).key });
  fingerprint = await tablesFingerprint();
});
afterAll(async () => {
  await t?.drop();
});

/** Every byte of both append-only tables: unchanged after each attempt below. */
async function tablesFingerprint(): Promise<string> {
  const c = await t.owner();
  try {
    const { rows } = await c.query<{ e: string; c: string }>(`
      SELECT (SELECT md5(string_agg(x::text, '|' ORDER BY x.chain_id, x.seq)) FROM audit_events x) AS e,
             (SELECT md5(string_agg(y::text, '|' ORDER BY y.id)) FROM audit_checkpoints y) AS c`);
    return `${rows[0].e}/${rows[0].c}`;
  } finally {
    await c.end();
  }
}

async function expectUnchanged() {
  expect(await tablesFingerprint()).toBe(fingerprint);
  const c = await t.app();
  try {
    const r = await verifyChain(c, { chainId: CHAIN, trustedPublicKeyPem: loadOrCreateServerKey(t.keyFile).key.publicKeyPem });
    expect(r).toMatchObject({ ok: true, count: 5, checkpointsChecked: 1 });
  } finally {
    await c.end();
  }
}

function changes(table: (typeof APPEND_ONLY)[number]): string[] {
  const col = table === 'audit_events' ? 'reason' : 'key_id';
  return [`UPDATE ${table} SET ${col} = 'tampered'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`];
}

async function refusal(c: pg.Client, sql: string): Promise<{ code?: string; message: string }> {
  try {
    await c.query(sql);
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error(`"${sql}" was accepted`);
}

describe('append-only audit tables', () => {
  it('[11.10(e)] the app role cannot UPDATE, DELETE or TRUNCATE audit events or checkpoints', async () => {
    const c = await t.app();
    for (const table of APPEND_ONLY) {
      for (const sql of changes(table)) {
        const err = await refusal(c, sql);
        expect(err.code, sql).toBe('42501'); // insufficient_privilege
      }
    }
    await c.end();
    await expectUnchanged();
  });

  it('[11.10(e)] the app role cannot disable the triggers (it owns no table)', async () => {
    const c = await t.app();
    for (const [table, trigger] of [
      ['audit_events', 'audit_events_no_update_delete'],
      ['audit_events', 'audit_events_no_truncate'],
      ['audit_checkpoints', 'audit_checkpoints_no_update_delete'],
      ['audit_checkpoints', 'audit_checkpoints_no_truncate'],
    ]) {
      for (const sql of [`ALTER TABLE ${table} DISABLE TRIGGER ${trigger}`, `ALTER TABLE ${table} DISABLE TRIGGER ALL`]) {
        const err = await refusal(c, sql);
        expect(err.code, sql).toBe('42501');
        expect(err.message).toMatch(/must be owner/);
      }
    }
    await c.end();
    const o = await t.owner();
    const { rows } = await o.query<{ tgname: string; tgenabled: string }>(
      `SELECT tgname, tgenabled FROM pg_trigger
       WHERE tgrelid IN ('audit_events'::regclass, 'audit_checkpoints'::regclass, ${DERIVED.map((d) => `'${d}'::regclass`).join(', ')})
         AND NOT tgisinternal ORDER BY tgname`,
    );
    await o.end();
    // 'A' = ENABLE ALWAYS: fires in every session_replication_role.
    expect(rows).toEqual([
      { tgname: 'audit_chain_time_order_no_truncate', tgenabled: 'A' },
      { tgname: 'audit_chain_time_order_no_update_delete', tgenabled: 'A' },
      { tgname: 'audit_checkpoints_no_truncate', tgenabled: 'A' },
      { tgname: 'audit_checkpoints_no_update_delete', tgenabled: 'A' },
      { tgname: 'audit_events_no_truncate', tgenabled: 'A' },
      { tgname: 'audit_events_no_update_delete', tgenabled: 'A' },
      // Migration 20261122060000_audit_time_order: time order, and the words of each reason.
      { tgname: 'audit_events_reason_words', tgenabled: 'A' },
      { tgname: 'audit_events_time_order', tgenabled: 'A' },
      { tgname: 'audit_reason_words_no_truncate', tgenabled: 'A' },
      { tgname: 'audit_reason_words_no_update_delete', tgenabled: 'A' },
    ]);
  });

  it('[11.10(e)] the app role cannot escape the triggers with session_replication_role = replica', async () => {
    const c = await t.app();
    let permitted = true;
    try {
      await c.query('SET session_replication_role = replica');
    } catch (e) {
      permitted = false;
      expect((e as { code?: string }).code).toBe('42501');
    }
    if (permitted) {
      // Where a DBA has granted SET on the parameter, the changes are still refused.
      expect((await c.query('SHOW session_replication_role')).rows[0].session_replication_role).toBe('replica');
      for (const table of APPEND_ONLY) {
        for (const sql of changes(table)) expect((await refusal(c, sql)).code, sql).toBe('42501');
      }
    } else {
      expect((await c.query('SHOW session_replication_role')).rows[0].session_replication_role).toBe('origin');
    }
    await c.end();
    await expectUnchanged();
  });

  it('[11.10(e)] the owner (a superuser here) is refused by the triggers, naming the clause', async () => {
    const c = await t.owner();
    expect((await c.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).rows[0].rolsuper).toBe(true);
    for (const table of APPEND_ONLY) {
      for (const sql of changes(table)) {
        const err = await refusal(c, sql);
        expect(err.code, sql).toBe('42501');
        expect(err.message, sql).toContain(REFUSAL);
        expect(err.message, sql).toContain(`on ${table} refused`);
      }
    }
    await c.end();
    await expectUnchanged();
  });

  it('[11.10(e)] a superuser with session_replication_role = replica is still refused (ENABLE ALWAYS)', async () => {
    const c = await t.owner();
    await c.query('SET session_replication_role = replica');
    expect((await c.query('SHOW session_replication_role')).rows[0].session_replication_role).toBe('replica');
    for (const table of APPEND_ONLY) {
      for (const sql of changes(table)) {
        const err = await refusal(c, sql);
        expect(err.message, sql).toContain(REFUSAL);
      }
    }
    // Control: an ordinary (ENABLE ORIGIN) trigger is silent under replica, so the refusals above
    // are owed to ENABLE ALWAYS, not to the setting having no effect.
    await c.query('BEGIN');
    await c.query('CREATE TEMP TABLE origin_probe (v int)');
    await c.query('CREATE TRIGGER origin_probe_refuse BEFORE UPDATE ON origin_probe FOR EACH ROW EXECUTE FUNCTION custos_refuse_change()');
    await c.query('INSERT INTO origin_probe VALUES (1)');
    await c.query('UPDATE origin_probe SET v = 2');
    expect((await c.query('SELECT v FROM origin_probe')).rows).toEqual([{ v: 2 }]);
    await c.query('ROLLBACK');
    await c.end();
    await expectUnchanged();
  });

  it('[11.10(e)] the tables derived from the events are written by the database only, and never changed', async () => {
    const app = await t.app();
    for (const table of DERIVED) {
      const cols = table === 'audit_reason_words' ? "(chain_id, word, seq) VALUES ('triggers', 'forged', 1)" : "VALUES ('triggers', 1, now())";
      for (const sql of [`INSERT INTO ${table} ${cols}`, `UPDATE ${table} SET chain_id = 'x'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        expect((await refusal(app, sql)).code, sql).toBe('42501');
      }
    }
    await app.end();
    const o = await t.owner();
    // The events' reasons are empty: give one a word row to refuse changing.
    await o.query("INSERT INTO audit_reason_words (chain_id, word, seq) VALUES ('triggers', 'probe', 1)");
    await o.query("INSERT INTO audit_chain_time_order VALUES ('probe', 1, now())");
    for (const table of DERIVED) {
      for (const sql of [`UPDATE ${table} SET chain_id = 'x'`, `DELETE FROM ${table}`, `TRUNCATE ${table}`]) {
        const err = await refusal(o, sql);
        expect(err.message, sql).toContain(REFUSAL);
        expect(err.message, sql).toContain(`on ${table} refused`);
      }
    }
    await o.end();
    await expectUnchanged();
  });

  it('[11.10(d)] the app role owns no table and is no superuser', async () => {
    const c = await t.owner();
    const tables = await c.query<{ tablename: string; tableowner: string }>(
      "SELECT tablename, tableowner FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining([...APPEND_ONLY, 'users', '_prisma_migrations']));
    for (const r of tables.rows) expect(r.tableowner, r.tablename).not.toBe(APP_ROLE);
    // Nor any other relation (sequences, views) or function in this database.
    const owned = await c.query(
      `SELECT relname AS name FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = $1)
       UNION ALL SELECT proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = $1)`,
      [APP_ROLE],
    );
    expect(owned.rows).toEqual([]);
    const role = await c.query('SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_roles WHERE rolname = $1', [APP_ROLE]);
    expect(role.rows[0]).toEqual({ rolsuper: false, rolcreaterole: false, rolcreatedb: false, rolbypassrls: false });
    await c.end();
  });
});
