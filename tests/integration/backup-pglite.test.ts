import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '@/lib/audit/append-audit';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { BACKUP_ACTOR } from '@/lib/backup/config';
import { createBackup } from '@/lib/backup/create-backup';
import { openBackup } from '@/lib/backup/open-backup';
import { checkScratch, restoreIntoScratch, servePglite } from '@/lib/backup/restore-scratch';
import { runDrill } from '@/lib/backup/run-drill';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { createDb, type TDb } from '@/lib/db/client';
import { migrate } from '@/lib/db/migrate';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { makeUser, sessionUser } from '@/tests/helpers/users';

// The embedded database of `npm start` (PGlite) backs up with its own dump (custos_copy_v1) and
// restores into a new PGlite data directory. Real PGlite, served on loopback as npm start does.

let root: string;
let site: Awaited<ReturnType<typeof servePglite>>;
let db: TDb;
beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'custos-pglite-backup-'));
  process.env.CUSTOS_DATA_DIR = root;
  process.env.CUSTOS_BACKUP_DIR = path.join(root, 'backups');
  process.env.CUSTOS_BACKUP_KEY_FILE = path.join(root, 'keys', 'backup.key');
  process.env.CUSTOS_SIGNING_KEY_FILE = path.join(root, 'keys', 'audit-signing-key.pem');
  process.env.CUSTOS_SECRETS_KEY_FILE = path.join(root, 'keys', 'secrets.key');
  site = await servePglite(path.join(root, 'pgdata'));
  process.env.DATABASE_URL = site.url;
  process.env.CUSTOS_EMBEDDED = '1';
  delete process.env.APP_DATABASE_URL;
  const c = new pg.Client({ connectionString: site.url });
  await c.connect();
  await migrate(c);
  await c.end();
  db = createDb(site.url);
  const author = await makeUser(db, { roles: ['Operator'] });
  const as = await sessionUser(db, author);
  for (let i = 0; i < 2; i++) {
    const rec = await createRecord(db, as, {
      kind: 'batch_record',
      content: { title: `Batch ${i}`, product: 'Product X', batchNumber: `B-${i}`, quantity: '10', unit: 'vials', manufacturedOn: '2026-11-20', notes: "line\nbreak, tab\t, quote ' and \\ ✓" },
    });
    await signRecord(db, as, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });
  }
  await createCheckpoint(db);
}, 120_000);
afterAll(async () => {
  await db?.$disconnect();
  await site?.stop();
});

async function rows(url: string, q: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(q, params)).rows;
  } finally {
    await c.end();
  }
}

describe('encrypted backup and restore on the embedded PGlite database', () => {
  it('[11.10(c)] [Annex 11 §7.2] round trip: records, signatures and the audit chain are identical after restore into a new data directory, and the chain verifies', async () => {
    const head = (await rows(site.url, "SELECT max(seq)::text AS s FROM audit_events WHERE chain_id = 'main'"))[0].s as string;
    const created = await createBackup(db, { actor: SYSTEM_CLI, ownerUrl: site.url });
    expect(created.manifest).toMatchObject({ engine: 'pglite', dump_format: 'custos_copy_v1', postgres_major: 18, chain: { head_seq: head } });
    const b = await openBackup(created.fileName, created.manifestHash);
    const dir = path.join(root, 'scratch-1');
    const open = await restoreIntoScratch(b, { dir });
    try {
      const check = await checkScratch(open.client, b, open.plaintextBytes);
      expect(check).toMatchObject({ ok: true, headMatchesManifest: true, invalidSignatures: 0, signaturesChecked: 2 });
      for (const q of [
        'SELECT seq, canonical, prev_hash, hash FROM audit_events WHERE seq <= $1 ORDER BY seq',
        'SELECT * FROM signatures WHERE $1::bigint > 0 ORDER BY id',
        'SELECT * FROM record_versions WHERE $1::bigint > 0 ORDER BY record_id, version',
        'SELECT * FROM users WHERE $1::bigint > 0 ORDER BY id',
        'SELECT * FROM role_permissions WHERE $1::bigint > 0 ORDER BY role_id, permission',
        'SELECT * FROM audit_reason_words WHERE $1::bigint > 0 ORDER BY 1, 2, 3',
      ]) {
        expect((await open.client.query(q, [head])).rows).toEqual(await rows(site.url, q, [head]));
      }
      // Sequences continue where the site was, and the append-only triggers are back on.
      const next = await open.client.query("SELECT nextval('change_request_number_seq')::int AS n");
      expect(next.rows[0].n).toBe(1);
      await expect(open.client.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only/);
    } finally {
      await open.close();
    }
  }, 120_000);

  it('[Annex 11 §7.2] a drill restores the newest backup into a throwaway PGlite and records the result; a chain tampered before encryption fails it', async () => {
    const ok = await runDrill(db, { actor: BACKUP_ACTOR, ownerUrl: site.url });
    expect(ok).toMatchObject({ ok: true, reason: null });

    await site.db.exec('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    const seq = (await site.db.query<{ seq: string }>("SELECT seq::text FROM audit_events WHERE action = 'record.create' ORDER BY seq LIMIT 1")).rows[0].seq;
    await site.db.query("UPDATE audit_events SET canonical = replace(canonical, 'Batch 0', 'Batch 8') WHERE seq = $1", [seq]);
    try {
      const bad = await createBackup(db, { actor: SYSTEM_CLI, ownerUrl: site.url });
      const r = await runDrill(db, { actor: BACKUP_ACTOR, ownerUrl: site.url, backupId: bad.id });
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(new RegExp(`^The restored chain breaks at seq ${seq}: hash_mismatch`));
    } finally {
      await site.db.query("UPDATE audit_events SET canonical = replace(canonical, 'Batch 8', 'Batch 0') WHERE seq = $1", [seq]);
      await site.db.exec('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    }
  }, 120_000);

  it('[4-eyes] an approved restore goes into a new PGlite data directory whose chain records backup.restored with the lost range', async () => {
    const created = await createBackup(db, { actor: SYSTEM_CLI, ownerUrl: site.url });
    await db.$transaction((tx) => appendAudit(tx, [{ actor: SYSTEM_CLI, action: 'test.after_snapshot', entityType: 'Test' }]));
    const admins = [];
    for (let i = 0; i < 3; i++) {
      const u = await makeUser(db, { roles: ['Administrator'], prefix: 'ADM' });
      admins.push({ ...u, s: await sessionUser(db, u) });
    }
    const [a, b, c] = admins;
    const cr = await requestChange(db, a.s, { kind: 'backup.restore', payload: { backupId: created.id, manifestHash: created.manifestHash }, reason: 'Laptop disk replaced' });
    const decide = async (who: typeof a) => {
      const view = await getChangeRequest(db, who.s, cr.id);
      return decideChangeRequest(db, who.s, { id: cr.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: who.employeeId, password: who.password });
    };
    const target = path.join(root, 'restored', cr.number);
    expect((await decide(b)).status).toBe('submitted');
    expect(existsSync(target)).toBe(false);
    expect(await decide(c)).toMatchObject({ status: 'applied', failureReason: null });
    const restored = await servePglite(target);
    try {
      const ev = await rows(restored.url, "SELECT seq::text, new_value FROM audit_events WHERE action = 'backup.restored'");
      expect(BigInt(ev[0].seq)).toBe(BigInt(created.manifest.chain.head_seq) + 1n);
      expect(ev[0].new_value.approvedBy.map((x: { employeeId: string }) => x.employeeId)).toEqual([b.employeeId, c.employeeId]);
      expect(Number(ev[0].new_value.lostEvents.count)).toBeGreaterThanOrEqual(2); // backup.created and the event after it, at least
    } finally {
      await restored.stop();
    }
  }, 180_000);
});
