import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

const exec = promisify(execFile);
let t: TTestDatabase;
let dir: string;

async function custos(args: string[]) {
  try {
    const r = await exec('node_modules/.bin/tsx', ['scripts/custos.ts', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: t.ownerUrl,
        APP_DATABASE_URL: t.appUrl,
        CUSTOS_SIGNING_KEY_FILE: t.keyFile,
        CUSTOS_BACKUP_DIR: path.join(dir, 'backups'),
        CUSTOS_BACKUP_KEY_FILE: path.join(dir, 'keys', 'backup.key'),
      },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  t = await createTestDatabase('cli_backup');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-cli-backup-'));
});
afterAll(async () => {
  await t?.drop();
});

describe('custos backup CLI', () => {
  it('[11.10(c)][Annex 11 §7.2] backup create, list, verify, drill and restore answer in JSON; the drill and the restore request name the backup by its manifest hash', async () => {
    const created = await custos(['backup', 'create', '--json']);
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout) as { id: string; manifestHash: string; fileName: string };
    expect(c.manifestHash).toMatch(/^[0-9a-f]{64}$/);

    const list = JSON.parse((await custos(['backup', 'list', '--json'])).stdout) as { rows: Array<{ id: string; status: string }> };
    expect(list.rows.map((r) => [r.id, r.status])).toEqual([[c.id, 'created']]);

    const verified = await custos(['backup', 'verify', '--id', c.id, '--json']);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, file: c.fileName });

    const drill = await custos(['backup', 'drill', '--json']);
    expect(drill.code).toBe(0);
    expect(JSON.parse(drill.stdout)).toMatchObject({ ok: true, backupId: c.id, reason: null });

    const restore = await custos(['backup', 'restore', '--id', c.id, '--json']);
    expect(restore.code).toBe(0);
    expect(JSON.parse(restore.stdout)).toEqual({ kind: 'backup.restore', payload: { backupId: c.id, manifestHash: c.manifestHash }, status: 'verified' });

    const [ev] = (await (await t.owner()).query(`SELECT actor_id FROM audit_events WHERE action = 'backup.created'`)).rows;
    expect(ev.actor_id).toBe('system:cli');
  });

  it('[11.10(c)] backup schedule says when the worker backs up and drills next; backup prune applies retention now, keeping the newest verified backup', async () => {
    const sched = await custos(['backup', 'schedule']);
    expect(sched.code).toBe(0);
    expect(sched.stdout).toContain('backups daily at 02:00 UTC; restore drill weekly on Sunday after the backup');
    expect(sched.stdout).toMatch(/next backup: (due now|\d{4}-\d\d-\d\dT02:00:00\.000Z)/);
    const second = JSON.parse((await custos(['backup', 'create', '--json'])).stdout) as { id: string };
    const owner = await t.owner();
    await owner.query("UPDATE backups SET created_at = created_at - interval '200 days'");
    const pruned = await custos(['backup', 'prune', '--json']);
    expect(pruned.code).toBe(0);
    const verified = (await owner.query(`SELECT id FROM backups WHERE status = 'verified'`)).rows[0].id as string;
    // The newer backup is older than the retention and never drilled: it goes; the verified one stays.
    expect(JSON.parse(pruned.stdout)).toEqual({ pruned: [second.id], kept: verified });
    const [ev] = (await owner.query(`SELECT actor_id FROM audit_events WHERE action = 'backup.pruned' AND entity_id = $1`, [second.id])).rows;
    expect(ev.actor_id).toBe('system:cli');
  });
});
