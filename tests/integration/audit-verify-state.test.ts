import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVerification, verificationProblems } from '@/lib/audit/run-verification';
import { defaultChainId } from '@/lib/audit/chain-id';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { exportRows } from '@/lib/audit/export/export-source';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { getRecord } from '@/lib/records/get-record';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// What Custos shows and what it derives must be what its chain proves. Each test alters one
// thing as the database superuser (append-only triggers switched off where there are any),
// checks that verification names it, and puts it back.

let t: TTestDatabase;
beforeAll(async () => {
  t = await createTestDatabase('audit_verify_state');
});
afterAll(async () => {
  await t?.drop();
});

async function sql<T = Record<string, unknown>>(q: string, params: unknown[] = []): Promise<T[]> {
  const c = await t.owner();
  try {
    return (await c.query(q, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** As the superuser, with `table`'s append-only trigger off (if it has one). */
async function tamper(table: string | null, q: string, params: unknown[] = []) {
  const c = await t.owner();
  try {
    await c.query('BEGIN');
    if (table) await c.query(`ALTER TABLE ${table} DISABLE TRIGGER ${table}_no_update_delete`);
    await c.query(q, params);
    if (table) await c.query(`ALTER TABLE ${table} ENABLE ALWAYS TRIGGER ${table}_no_update_delete`);
    await c.query('COMMIT');
  } finally {
    await c.end();
  }
}

async function verify() {
  const c = await t.app();
  try {
    return await runVerification(t.db, c, { actor: SYSTEM_CLI });
  } finally {
    await c.end();
  }
}

const batch = { title: 'Batch 7', product: 'Product X', batchNumber: 'B-7', quantity: '1200', unit: 'vials', manufacturedOn: '2026-11-20', notes: '' };

async function signedRecord() {
  const author = await makeUser(t.db, { roles: ['Operator'] });
  const s = await sessionUser(t.db, author);
  const rec = await createRecord(t.db, s, { kind: 'batch_record', content: batch });
  await signRecord(t.db, s, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });
  return { rec, author, s };
}

describe('verification covers what people see', () => {
  it('[11.10(e)] a superuser edit of actor_id / actor_name / new_value.meaning of a record.sign event: verify names the first seq and column; page and exports show the chain', async () => {
    const { rec, s } = await signedRecord();
    expect((await verify()).ok).toBe(true);
    const [ev] = await sql<{ seq: string; actor_id: string; actor_name: string; new_value: Record<string, unknown> }>(
      "SELECT seq::text, actor_id, actor_name, new_value FROM audit_events WHERE action = 'record.sign' AND entity_id = $1",
      [rec.id],
    );
    await tamper(
      'audit_events',
      `UPDATE audit_events SET actor_id = 'MALLORY-1', actor_name = 'Mallory Forger', new_value = jsonb_set(new_value, '{meaning}', '"APPROVAL"') WHERE seq = $1`,
      [ev.seq],
    );
    try {
      const r = await verify();
      expect(r.ok).toBe(false);
      expect(r.broken).toBeNull();
      expect(r.display).toMatchObject({ ok: false, mismatches: 1 });
      expect(r.display.first[0]).toMatchObject({ seq: ev.seq, columns: ['actor_id', 'actor_name', 'new_value'] });
      expect(r.display.first[0].detail).toContain('"MALLORY-1"');
      expect(verificationProblems(r).join('\n')).toMatch(new RegExp(`first at seq ${ev.seq}, column actor_id`));
      // What people see is the chain's text, not the altered columns.
      const view = await getRecord(t.db, s, rec.id);
      const trail = view.audit.find((a) => a.seq === ev.seq)!;
      expect([trail.actorId, trail.actorName]).toEqual([ev.actor_id, ev.actor_name]);
      const c = await t.app();
      const exported: Array<Record<string, unknown>> = [];
      for await (const rows of exportRows(c, { chainId: defaultChainId(), filter: { fromSeq: ev.seq, toSeq: ev.seq }, columns: ['actor_id', 'actor_name', 'new_value'] })) exported.push(...rows);
      await c.end();
      expect(exported).toHaveLength(1);
      expect(exported[0]).toMatchObject({ actor_id: ev.actor_id, actor_name: ev.actor_name, new_value: { meaning: ev.new_value.meaning } });
    } finally {
      await tamper('audit_events', 'UPDATE audit_events SET actor_id = $2, actor_name = $3, new_value = $4 WHERE seq = $1', [ev.seq, ev.actor_id, ev.actor_name, ev.new_value]);
    }
    expect((await verify()).ok).toBe(true);
  });
});
