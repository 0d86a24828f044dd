import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';

const exec = promisify(execFile);
let t: TTestDatabase;
let dir: string;

async function custos(args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec('node_modules/.bin/tsx', ['scripts/custos.ts', ...args], {
      env: {
        ...process.env,
        DATABASE_URL: t.ownerUrl,
        APP_DATABASE_URL: t.appUrl,
        CUSTOS_SIGNING_KEY_FILE: t.keyFile,
        ...env,
      },
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

beforeAll(async () => {
  t = await createTestDatabase('cli');
  dir = mkdtempSync(path.join(tmpdir(), 'custos-cli-'));
  writeFileSync(path.join(dir, 'pw'), 'a long enough passphrase 42\n');
});
afterAll(async () => {
  await t?.drop();
});

describe('custos CLI', () => {
  it('[11.10(d)] users create provisions a user who must change the password, audited as system:cli', async () => {
    const r = await custos([
      'users', 'create', '--employee-id', 'OP-7', '--name', 'Olga Operator', '--role', 'Operator',
      '--password-file', path.join(dir, 'pw'), '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ employeeId: 'OP-7', roles: ['Operator'], mustChangePassword: true });
    const c = await t.app();
    const ev = await c.query("SELECT actor_id, action, new_value FROM audit_events WHERE action='user.create'");
    expect(ev.rows).toHaveLength(1);
    expect(ev.rows[0].actor_id).toBe('system:cli');
    expect(JSON.stringify(ev.rows[0].new_value)).not.toMatch(/argon2|password_hash|passwordHash/);
    const u = await c.query("SELECT must_change_password, password_hash FROM users WHERE employee_id='OP-7'");
    expect(u.rows[0].must_change_password).toBe(true);
    expect(u.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });

  it('users create --no-force-change, and refuses a duplicate ID and an unknown role with a clear message', async () => {
    const base = ['users', 'create', '--name', 'Rae Reviewer', '--password-file', path.join(dir, 'pw')];
    const ok = await custos([...base, '--employee-id', 'QA-9', '--role', 'QA Reviewer', '--no-force-change', '--json']);
    expect(JSON.parse(ok.stdout).mustChangePassword).toBe(false);
    const dup = await custos([...base, '--employee-id', 'QA-9', '--role', 'QA Reviewer']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('Employee ID QA-9 is already in use');
    const role = await custos([...base, '--employee-id', 'QA-10', '--role', 'Wizard']);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('Unknown role: Wizard');
  });

  it('[11.10(e)] audit verify exits 0 when intact and 1 naming the broken seq', async () => {
    const ok = await custos(['audit', 'verify', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, broken: null });
    const c = await t.owner();
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await c.query("UPDATE audit_events SET canonical = replace(canonical, 'Olga', 'Olgo') WHERE seq = 1");
    await c.query('ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_no_update_delete');
    const bad = await custos(['audit', 'verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('BROKEN chain main at seq 1: hash_mismatch');
  });

  it('audit checkpoint signs the head once and says so when already current', async () => {
    const first = await custos(['audit', 'checkpoint', '--json']);
    expect(JSON.parse(first.stdout).created).toBe(true);
    const again = await custos(['audit', 'checkpoint']);
    expect(again.stdout).toContain('already covers');
  });

  it('unknown command or missing flag prints usage and exits 2', async () => {
    const unknown = await custos(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: npm run custos');
    const missing = await custos(['users', 'create', '--name', 'X']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --employee-id');
  });

  it('an unreachable DATABASE_URL gives one line naming the host, exit 1, no stack trace', async () => {
    const r = await custos(['audit', 'verify'], {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere',
      APP_DATABASE_URL: 'postgresql://custos_app@127.0.0.1:1/nowhere',
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('cannot reach PostgreSQL at 127.0.0.1:1/nowhere');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
