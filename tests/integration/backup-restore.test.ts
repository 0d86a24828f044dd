import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoint } from '@/lib/audit/create-checkpoint';
import { SYSTEM_CLI } from '@/lib/audit/events';
import { HEADER_LEN } from '@/lib/backup/chunked-aead';
import { BACKUP_ACTOR } from '@/lib/backup/config';
import { createBackup } from '@/lib/backup/create-backup';
import { openBackup } from '@/lib/backup/open-backup';
import { runQueuedRestores } from '@/lib/backup/restore-backup';
import { pruneBackups } from '@/lib/backup/prune-backups';
import { checkScratch, dropScratch, restoreIntoScratch, scratchName } from '@/lib/backup/restore-scratch';
import { runDrill } from '@/lib/backup/run-drill';
import { decideChangeRequest } from '@/lib/change-requests/decide-change-request';
import { getChangeRequest } from '@/lib/change-requests/get-change-request';
import { requestChange } from '@/lib/change-requests/request-change';
import { readMigrations } from '@/lib/db/migrate';
import { signRecord } from '@/lib/esign/sign-record';
import { createRecord } from '@/lib/records/create-record';
import { ADMIN_URL, createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser, sessionUser } from '@/tests/helpers/users';

let t: TTestDatabase;
let dir: string;
beforeAll(async () => {
  t = await createTestDatabase('backup');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-backups-'));
  process.env.CUSTOS_BACKUP_DIR = path.join(dir, 'backups');
  process.env.CUSTOS_BACKUP_KEY_FILE = path.join(dir, 'keys', 'backup.key');
  // A site with records, signatures and a signed checkpoint.
  const author = await makeUser(t.db, { roles: ['Operator'] });
  const reviewer = await makeUser(t.db, { roles: ['QA Reviewer'] });
  const as = await sessionUser(t.db, author);
  const rs = await sessionUser(t.db, reviewer);
  for (let i = 0; i < 3; i++) {
    const rec = await createRecord(t.db, as, {
      kind: 'batch_record',
      content: { title: `Deviation batch ${i}`, product: 'Product X', batchNumber: `B-${i}`, quantity: '1200', unit: 'vials', manufacturedOn: '2026-11-20', notes: 'naïve ✓' },
    });
    await signRecord(t.db, as, { recordId: rec.id, version: 1, transition: 'submit', meaning: 'AUTHORSHIP', employeeId: author.employeeId, password: author.password });
    await signRecord(t.db, rs, { recordId: rec.id, version: 1, transition: 'review', meaning: 'REVIEW', employeeId: reviewer.employeeId, password: reviewer.password });
  }
  await createCheckpoint(t.db);
});
afterAll(async () => {
  await t?.drop();
});

async function sql(url: string, q: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(q, params)).rows;
  } finally {
    await c.end();
  }
}

async function databaseExists(name: string) {
  return (await sql(ADMIN_URL, 'SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;
}

const fileOf = (name: string) => path.join(process.env.CUSTOS_BACKUP_DIR!, name);

/** Chunk i of an encrypted file: [start of its length field, end of its tag). */
function chunks(file: Buffer): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let off = HEADER_LEN; off < file.length; ) {
    const end = off + 4 + file.readUInt32BE(off) + 16;
    out.push([off, end]);
    off = end;
  }
  return out;
}

/** Restores `name` into a fresh database and expects the precise refusal, leaving no database behind. */
async function expectRefused(name: string, message: RegExp) {
  const b = await openBackup(name);
  const database = scratchName('custos_drill');
  await expect(restoreIntoScratch(b, { ownerUrl: t.ownerUrl, database })).rejects.toThrow(message);
  expect(await databaseExists(database)).toBe(false);
}

describe('encrypted backup and restore on PostgreSQL', () => {
  it('[11.10(c)] [Annex 11 §7.2] round trip: records, signatures and the audit chain are identical after restore, and the chain verifies up to the manifest head', async () => {
    const before = await sql(t.ownerUrl, 'SELECT max(seq)::text AS s FROM audit_events');
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
    expect(created.manifest.engine).toBe('postgres');
    expect(created.manifest.dump_format).toBe('pg_dump_custom');
    expect(created.manifest.chain.head_seq).toBe(before[0].s);
    expect(created.manifest.checkpoint).not.toBeNull();
    expect(created.manifest.migration_id).toBe((await readMigrations()).at(-1)!.name);
    // The file is ciphertext: no table name of the dump shows through.
    expect(readFileSync(fileOf(created.fileName)).includes(Buffer.from('audit_events'))).toBe(false);
    // backup.created carries the manifest hash, right after the snapshot's head.
    const ev = await sql(t.ownerUrl, "SELECT seq::text, new_value FROM audit_events WHERE action = 'backup.created' AND entity_id = $1", [created.id]);
    expect(ev[0].new_value.manifestHash).toBe(created.manifestHash);
    expect(BigInt(ev[0].seq)).toBe(BigInt(before[0].s) + 1n);

    const b = await openBackup(created.fileName, created.manifestHash);
    const open = await restoreIntoScratch(b, { ownerUrl: t.ownerUrl, database: scratchName('custos_drill') });
    try {
      const check = await checkScratch(open.client, b, open.plaintextBytes);
      expect(check).toMatchObject({ ok: true, reason: null, headMatchesManifest: true, invalidSignatures: 0 });
      expect(check.signaturesChecked).toBe(6);
      const url = (open.scratch as { url: string }).url;
      for (const q of [
        'SELECT seq, canonical, prev_hash, hash FROM audit_events WHERE seq <= $1 ORDER BY seq',
        'SELECT * FROM signatures WHERE $1::bigint > 0 ORDER BY id',
        'SELECT * FROM record_versions WHERE $1::bigint > 0 ORDER BY record_id, version',
        'SELECT id, status, current_version FROM records WHERE $1::bigint > 0 ORDER BY id',
        'SELECT * FROM audit_checkpoints WHERE $1::bigint > 0 ORDER BY id',
        'SELECT migration_name, checksum FROM _prisma_migrations WHERE $1::bigint > 0 ORDER BY 1',
      ]) {
        expect(await sql(url, q, [before[0].s])).toEqual(await sql(t.ownerUrl, q, [before[0].s]));
      }
      // The append-only rules come back with the data, and the application role its grants.
      await expect(sql(url, 'UPDATE audit_events SET reason = $1 WHERE seq = 1', ['x'])).rejects.toThrow(/append-only/);
      const appUrl = new URL(url);
      appUrl.username = 'custos_app';
      expect((await sql(appUrl.toString(), 'SELECT count(*)::int AS n FROM audit_events'))[0].n).toBe(Number(before[0].s));
    } finally {
      await open.close();
      await dropScratch(open.scratch, t.ownerUrl);
    }
  });

  it('[11.10(c)] a flipped byte, a truncated file, swapped chunks and a wrong key are each refused with a precise message and leave no database', async () => {
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl, chunkSize: 4096 });
    const file = fileOf(created.fileName);
    const good = readFileSync(file);
    const c = chunks(good);
    expect(c.length).toBeGreaterThan(3);
    try {
      const flipped = Buffer.from(good);
      flipped[c[2][0] + 100] ^= 0x40;
      writeFileSync(file, flipped);
      await expectRefused(created.fileName, /Chunk 2 failed authentication: the file was altered/);

      writeFileSync(file, good.subarray(0, c[c.length - 2][1]));
      await expectRefused(created.fileName, /without its final chunk: truncated/);

      writeFileSync(file, Buffer.concat([good.subarray(0, c[1][0]), good.subarray(c[2][0], c[2][1]), good.subarray(c[1][0], c[1][1]), good.subarray(c[3][0])]));
      await expectRefused(created.fileName, /Chunk 1 failed authentication: .*reordered/);

      writeFileSync(file, good);
      const keyFile = process.env.CUSTOS_BACKUP_KEY_FILE!;
      process.env.CUSTOS_BACKUP_KEY_FILE = path.join(dir, 'other.key');
      try {
        await expectRefused(created.fileName, /was encrypted with key [0-9a-f]{16}…, this server's backup key is [0-9a-f]{16}…/);
      } finally {
        process.env.CUSTOS_BACKUP_KEY_FILE = keyFile;
      }

      // An altered manifest (say, a forged chain head) fails its signature.
      const mf = `${file}.manifest.json`;
      const m = readFileSync(mf, 'utf8');
      writeFileSync(mf, m.replace(/"head_seq": "(\d+)"/, (_x, n: string) => `"head_seq": "${Number(n) + 5}"`));
      await expect(openBackup(created.fileName)).rejects.toThrow('The manifest signature does not verify');
      writeFileSync(mf, m);
      await expect(openBackup(created.fileName, 'a'.repeat(64))).rejects.toThrow(/not the a{16}… recorded for it/);
    } finally {
      writeFileSync(file, good);
    }
  });

  it('[11.10(c)] pg_dump must match the server major: another version is refused before anything is written', async () => {
    const bin = mkdtempSync(path.join(tmpdir(), 'custos-pgbin-'));
    for (const tool of ['pg_dump', 'pg_restore']) {
      writeFileSync(path.join(bin, tool), `#!/bin/sh\necho "${tool} (PostgreSQL) 11.22"\n`);
      chmodSync(path.join(bin, tool), 0o755);
    }
    const count = async () => (await sql(t.ownerUrl, 'SELECT count(*)::int AS n FROM backups'))[0].n as number;
    const n = await count();
    process.env.CUSTOS_PG_BIN_DIR = bin;
    try {
      await expect(createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl })).rejects.toThrow(/pg_dump 11\.22 does not match the PostgreSQL server 15\.\d+ \(major 15\)/);
    } finally {
      delete process.env.CUSTOS_PG_BIN_DIR;
    }
    expect(await count()).toBe(n);
  });

  it('[Annex 11 §7.2] a drill restores the newest backup into a throwaway database, verifies it and records the result', async () => {
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
    const r = await runDrill(t.db, { actor: BACKUP_ACTOR, ownerUrl: t.ownerUrl });
    expect(r).toMatchObject({ ok: true, backupId: created.id, reason: null });
    expect(r.check?.chain.headSeq).toBe(created.manifest.chain.head_seq);
    const row = await t.db.backup.findUniqueOrThrow({ where: { id: created.id }, select: { status: true, verifiedAt: true } });
    expect(row.status).toBe('verified');
    const ev = await sql(t.ownerUrl, "SELECT new_value FROM audit_events WHERE action = 'backup.drill' AND entity_id = $1", [created.id]);
    expect(ev[0].new_value).toMatchObject({ ok: true, headMatchesManifest: true, drillId: r.drillId });
    expect(await sql(ADMIN_URL, "SELECT datname FROM pg_database WHERE datname LIKE 'custos_drill_%'")).toEqual([]);
  });

  it('[4-eyes] [Annex 11 §7.2] restore needs two approvers besides the requester; it restores into a new database whose chain states who approved and which events are lost', async () => {
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => {
      const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADM' });
      return { ...u, s: await sessionUser(t.db, u) };
    }));
    // Events after the snapshot: these are what a restore loses.
    await t.db.$transaction((tx) => import('@/lib/audit/append-audit').then((m) => m.appendAudit(tx, [{ actor: SYSTEM_CLI, action: 'test.after_snapshot', entityType: 'Test' }])));
    await expect(requestChange(t.db, a.s, { kind: 'backup.restore', payload: { backupId: created.id, manifestHash: 'b'.repeat(64) }, reason: 'Disk failure on the primary' })).rejects.toThrow(
      'The manifest hash is not the one of this backup',
    );
    const cr = await requestChange(t.db, a.s, { kind: 'backup.restore', payload: { backupId: created.id, manifestHash: created.manifestHash }, reason: 'Disk failure on the primary' });
    expect(cr.requiredApprovals).toBe(2);
    const decide = async (who: typeof a) => {
      const view = await getChangeRequest(t.db, who.s, cr.id);
      return decideChangeRequest(t.db, who.s, { id: cr.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: who.employeeId, password: who.password });
    };
    const target = scratchName('custos_restored', cr.number);
    await expect(decide(a)).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'Requester cannot approve' });
    expect((await decide(b)).status).toBe('submitted');
    expect(await databaseExists(target)).toBe(false); // one approval restores nothing
    await expect(decide(b)).rejects.toThrow('already decided on this request');
    const liveHead = (await sql(t.ownerUrl, "SELECT seq::text AS s FROM audit_chain_heads WHERE chain_id = 'main'"))[0].s as string;
    const done = await decide(c);
    expect(done).toMatchObject({ status: 'applied', failureReason: null });
    try {
      expect(await databaseExists(target)).toBe(true);
      const restoredUrl = (() => {
        const u = new URL(t.ownerUrl);
        u.pathname = `/${target}`;
        return u.toString();
      })();
      const ev = await sql(restoredUrl, "SELECT seq::text, actor_id, new_value, reason FROM audit_events WHERE action = 'backup.restored'");
      expect(ev).toHaveLength(1);
      const head = BigInt(created.manifest.chain.head_seq);
      expect(BigInt(ev[0].seq)).toBe(head + 1n); // the gap is explicit: right after the snapshot's head
      expect(ev[0].new_value).toMatchObject({
        backupId: created.id,
        manifestHash: created.manifestHash,
        changeRequest: cr.number,
        approvedBy: [
          { employeeId: b.employeeId, meaning: 'APPROVAL' },
          { employeeId: c.employeeId, meaning: 'APPROVAL' },
        ],
        lostEvents: { fromSeq: (head + 1n).toString() },
      });
      // Every event of the live chain from the snapshot to the head before the final approval is named as lost.
      expect(BigInt(ev[0].new_value.lostEvents.toSeq)).toBeGreaterThanOrEqual(BigInt(liveHead));
      expect(ev[0].reason).toMatch(/^events \d+–\d+ of the live chain are not in this backup$/);
      const { verifyChain } = await import('@/lib/audit/verify-chain');
      const client = new pg.Client({ connectionString: restoredUrl });
      await client.connect();
      try {
        expect((await verifyChain(client)).ok).toBe(true);
      } finally {
        await client.end();
      }
      const applied = await sql(t.ownerUrl, "SELECT new_value FROM audit_events WHERE action = 'change_request.apply' AND new_value->>'kind' = 'backup.restore'");
      expect(applied[0].new_value.effect).toMatchObject({ restoredInto: { database: target } });
    } finally {
      await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    }
  });

  it('[4-eyes] [Annex 11 §7.2] a restore too large for the approval transaction is queued by the last approval and carried out by the worker, once, with the same record', async () => {
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => {
      const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADQ' });
      return { ...u, s: await sessionUser(t.db, u) };
    }));
    const cr = await requestChange(t.db, a.s, { kind: 'backup.restore', payload: { backupId: created.id, manifestHash: created.manifestHash }, reason: 'Rebuild after storage loss' });
    const decide = async (who: typeof a) => {
      const view = await getChangeRequest(t.db, who.s, cr.id);
      return decideChangeRequest(t.db, who.s, { id: cr.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: who.employeeId, password: who.password });
    };
    const target = scratchName('custos_restored', cr.number);
    process.env.CUSTOS_RESTORE_INLINE_MAX_MB = '0'; // every backup counts as large
    try {
      await decide(b);
      expect(await decide(c)).toMatchObject({ status: 'applied', failureReason: null });
      expect(await databaseExists(target)).toBe(false); // queued, not restored inside the approval
      const [applied] = await sql(t.ownerUrl, "SELECT new_value FROM audit_events WHERE action = 'change_request.apply' AND entity_id = $1", [cr.id]);
      expect(applied.new_value.effect).toMatchObject({ queued: true, backupId: created.id, manifestHash: created.manifestHash });

      const r = await runQueuedRestores(t.db, { ownerUrl: t.ownerUrl });
      expect(r).toEqual([{ changeRequest: cr.number, ok: true, reason: null }]);
      expect(await runQueuedRestores(t.db, { ownerUrl: t.ownerUrl })).toEqual([]); // once
      expect(await databaseExists(target)).toBe(true);
      const [completed] = await sql(t.ownerUrl, "SELECT actor_id, new_value FROM audit_events WHERE action = 'backup.restore_completed' AND entity_id = $1", [cr.id]);
      expect(completed).toMatchObject({ actor_id: 'system:change-control', new_value: { changeRequest: cr.number, restoredInto: { database: target } } });
      const restoredUrl = Object.assign(new URL(t.ownerUrl), { pathname: `/${target}` }).toString();
      const [ev] = await sql(restoredUrl, "SELECT new_value FROM audit_events WHERE action = 'backup.restored'");
      expect(ev.new_value).toMatchObject({
        changeRequest: cr.number,
        approvedBy: [{ employeeId: b.employeeId }, { employeeId: c.employeeId }],
        lostEvents: applied.new_value.effect.lostEvents, // as at the approval, not at the worker's run
      });
    } finally {
      delete process.env.CUSTOS_RESTORE_INLINE_MAX_MB;
      await sql(ADMIN_URL, `DROP DATABASE IF EXISTS ${target} WITH (FORCE)`);
    }
  });

  it('[4-eyes] [Annex 11 §7.2] a queued restore that cannot be carried out is recorded as failed, once, and raises an alert', async () => {
    const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => {
      const u = await makeUser(t.db, { roles: ['Administrator'], prefix: 'ADF' });
      return { ...u, s: await sessionUser(t.db, u) };
    }));
    const cr = await requestChange(t.db, a.s, { kind: 'backup.restore', payload: { backupId: created.id, manifestHash: created.manifestHash }, reason: 'Restore test, file lost' });
    const decide = async (who: typeof a) => {
      const view = await getChangeRequest(t.db, who.s, cr.id);
      return decideChangeRequest(t.db, who.s, { id: cr.id, decision: 'approve', payloadHash: view.payloadHash, employeeId: who.employeeId, password: who.password });
    };
    process.env.CUSTOS_RESTORE_INLINE_MAX_MB = '0';
    const file = fileOf(created.fileName);
    const kept = readFileSync(file);
    try {
      await decide(b);
      await decide(c);
      rmSync(file); // gone between the approval and the worker's run
      const [r] = await runQueuedRestores(t.db, { ownerUrl: t.ownerUrl });
      expect(r).toMatchObject({ changeRequest: cr.number, ok: false });
      expect(r.reason).toMatch(/^The backup could not be restored: /);
      expect(await runQueuedRestores(t.db, { ownerUrl: t.ownerUrl })).toEqual([]);
      const [failed] = await sql(t.ownerUrl, "SELECT reason FROM audit_events WHERE action = 'backup.restore_failed' AND entity_id = $1", [cr.id]);
      expect(failed.reason).toBe(r.reason);
      const [alert] = await sql(t.ownerUrl, "SELECT severity, detail FROM security_alerts WHERE kind = 'backup_restore_failed'");
      expect(alert).toMatchObject({ severity: 'critical', detail: { changeRequest: cr.number, backupId: created.id } });
      expect(await databaseExists(scratchName('custos_restored', cr.number))).toBe(false);
    } finally {
      delete process.env.CUSTOS_RESTORE_INLINE_MAX_MB;
      writeFileSync(file, kept);
    }
  });

  it('[Annex 11 §7.2] the drill detects a backup whose chain was tampered before encryption, and raises an alert', async () => {
    const owner = await t.owner();
    await owner.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    const seq = (await owner.query("SELECT seq::text FROM audit_events WHERE action = 'record.create' ORDER BY seq LIMIT 1")).rows[0].seq as string;
    await owner.query("UPDATE audit_events SET canonical = replace(canonical, 'Deviation', 'Deviatlon') WHERE seq = $1", [seq]);
    await owner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    try {
      const created = await createBackup(t.db, { actor: SYSTEM_CLI, ownerUrl: t.ownerUrl });
      const r = await runDrill(t.db, { actor: BACKUP_ACTOR, ownerUrl: t.ownerUrl, backupId: created.id });
      expect(r.ok).toBe(false);
      expect(r.reason).toBe(`The restored chain breaks at seq ${seq}: hash_mismatch (${r.check?.chain.broken?.detail})`);
      expect((await t.db.backup.findUniqueOrThrow({ where: { id: created.id }, select: { status: true } })).status).toBe('failed');
      const alerts = await sql(t.ownerUrl, "SELECT detail FROM security_alerts WHERE kind = 'backup_drill_failed'");
      expect(alerts.map((x) => x.detail.backupId)).toContain(created.id);
      // Raised like every alert: its own audit event (and a webhook delivery when configured).
      const raised = await sql(t.ownerUrl, "SELECT actor_id, entity_id FROM audit_events WHERE action = 'alert.raise' AND new_value->>'kind' = 'backup_drill_failed'");
      expect(raised).toContainEqual({ actor_id: 'system:alerts', entity_id: created.id });
    } finally {
      await owner.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
      await owner.query("UPDATE audit_events SET canonical = replace(canonical, 'Deviatlon', 'Deviation') WHERE seq = $1", [seq]);
      await owner.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    }
  });

  it('[11.10(c)] retention prunes old backups, audited, and never the newest verified one', async () => {
    // Every backup so far is dated 200 days back; the verified one must survive anyway.
    await sql(t.ownerUrl, "UPDATE backups SET created_at = created_at - interval '200 days'");
    const verified = await t.db.backup.findFirstOrThrow({ where: { status: 'verified' }, orderBy: { createdAt: 'desc' }, select: { id: true, fileName: true } });
    const r = await pruneBackups(t.db, { actor: BACKUP_ACTOR, days: 90 });
    expect(r.kept).toBe(verified.id);
    expect(r.pruned).not.toContain(verified.id);
    expect(r.pruned.length).toBeGreaterThan(0);
    const left = await t.db.backup.findMany({ where: { status: { not: 'pruned' } }, select: { id: true } });
    expect(left.map((x) => x.id)).toEqual([verified.id]);
    expect(readFileSync(fileOf(verified.fileName)).length).toBeGreaterThan(0);
    const ev = await sql(t.ownerUrl, "SELECT entity_id FROM audit_events WHERE action = 'backup.pruned'");
    expect(ev.map((e) => e.entity_id).sort()).toEqual([...r.pruned].sort());
    // A drill of a pruned backup is refused; the restore request too.
    const a = await makeUser(t.db, { roles: ['Administrator'] });
    const pruned = await t.db.backup.findUniqueOrThrow({ where: { id: r.pruned[0] }, select: { id: true, manifestHash: true } });
    await expect(
      requestChange(t.db, await sessionUser(t.db, a), { kind: 'backup.restore', payload: { backupId: pruned.id, manifestHash: Buffer.from(pruned.manifestHash).toString('hex') }, reason: 'Restore test' }),
    ).rejects.toThrow('This backup was pruned');
    void randomBytes;
  });
});
