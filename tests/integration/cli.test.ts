import { execFile } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TTestDatabase } from '@/tests/helpers/test-db';
import { makeUser } from '@/tests/helpers/users';

const exec = promisify(execFile);
const IDENTITY = ['--identity-method', 'hr_record', '--identity-reference', 'HR-7', '--identity-verified-by', 'Hana Resources'];
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
  it('[11.10(e)] [11.10(g)] users create acts as the --as person: applied by their signature while commissioning, with a one-time password', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    writeFileSync(path.join(dir, 'admin-pw'), `${admin.password}\n`);
    const as = ['--as', admin.employeeId, '--password-file', path.join(dir, 'admin-pw')];
    const r = await custos(['users', 'create', ...as, '--employee-id', 'OP-7', '--name', 'Olga Operator', '--role', 'Operator', ...IDENTITY, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ applied: true, employeeId: 'OP-7', roles: ['Operator'] });
    expect(out.oneTimePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    const c = await t.app();
    const ev = await c.query("SELECT actor_id, action, new_value FROM audit_events WHERE action IN ('change_request.commission', 'change_request.apply') ORDER BY seq");
    expect(ev.rows.map((e) => [e.action, e.actor_id, e.new_value.commissioning])).toEqual([
      ['change_request.commission', admin.employeeId, true],
      ['change_request.apply', admin.employeeId, true],
    ]);
    expect(ev.rows[0].new_value).toMatchObject({ meaning: 'RESPONSIBILITY', employeeId: admin.employeeId, printedName: admin.displayName });
    expect(JSON.stringify(ev.rows)).not.toContain(out.oneTimePassword);
    const u = await c.query("SELECT must_change_password, password_hash FROM users WHERE employee_id='OP-7'");
    expect(u.rows[0].must_change_password).toBe(true);
    expect(u.rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    await c.end();

    const dup = await custos(['users', 'create', ...as, '--name', 'Rae Reviewer', '--employee-id', 'OP-7', '--role', 'QA Reviewer', ...IDENTITY]);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('Employee ID OP-7 is already in use');
    const role = await custos(['users', 'create', ...as, '--name', 'Rae Reviewer', '--employee-id', 'QA-10', '--role', 'Wizard', ...IDENTITY]);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain('Unknown role: Wizard');
    const nobody = await custos(['users', 'create', '--name', 'Rae Reviewer', '--employee-id', 'QA-11', '--role', 'Operator', '--password-file', path.join(dir, 'pw'), ...IDENTITY]);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('missing --as');
  });

  it('[11.300(d)] users create --as with a wrong password is refused, counts toward lockout and is audited', async () => {
    const admin = await makeUser(t.db, { roles: ['Administrator'] });
    const r = await custos(['users', 'create', '--as', admin.employeeId, '--password-file', path.join(dir, 'pw'), '--employee-id', 'OP-8', '--name', 'Otto Operator', '--role', 'Operator', ...IDENTITY]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Wrong password for --as');
    const c = await t.app();
    const u = await c.query('SELECT failed_attempts FROM users WHERE employee_id = $1', [admin.employeeId]);
    expect(u.rows[0].failed_attempts).toBe(1);
    const ev = await c.query("SELECT actor_id FROM audit_events WHERE action = 'auth.cli_failed'");
    expect(ev.rows.map((e) => e.actor_id)).toEqual([admin.employeeId]);
    expect((await c.query("SELECT 1 FROM users WHERE employee_id = 'OP-8'")).rowCount).toBe(0);
    await c.end();
  });

  it('[11.10(e)] audit verify exits 0 when intact and 1 naming the broken seq', async () => {
    const ok = await custos(['audit', 'verify', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, broken: null });
    const c = await t.owner();
    await c.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    // seq 1: the first user's creation (the test helper's), naming them.
    await c.query("UPDATE audit_events SET canonical = replace(canonical, 'Test ', 'Tost ') WHERE seq = 1");
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
    const missing = await custos(['users', 'create', '--as', 'ADM-1', '--name', 'X']);
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
